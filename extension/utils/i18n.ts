import { browser } from 'wxt/browser';
import * as en from '../locales/en';
import type * as esModule from '../locales/es';
import type { AnyErrorCode, ShownError } from './client-errors';

export type Lang = 'en' | 'es';

/** The browser's UI language decides; anything but Spanish gets English. */
export function detectLang(uiLanguage: string): Lang {
  return uiLanguage.toLowerCase().startsWith('es') ? 'es' : 'en';
}

function uiLanguage(): string {
  try {
    return browser.i18n.getUILanguage();
  } catch {
    return globalThis.navigator?.language ?? 'en'; // outside an extension page, e.g. in unit tests
  }
}

export const lang: Lang = detectLang(uiLanguage());

type Catalog = Pick<typeof esModule, 'ui' | 'errors'> & { fields?: typeof esModule.fields };
let catalog: Catalog = en;

/**
 * Loads the Spanish catalog when the browser is in Spanish. It is a chunk of its own, so an English popup never
 * downloads it; call before the first render.
 */
export async function loadCatalog(): Promise<void> {
  if (lang === 'es') catalog = await import('../locales/es');
}

/** A UI string, with `$1`, `$2`… replaced by the arguments. */
export function t(key: en.UiKey, ...args: (string | number)[]): string {
  return (catalog.ui[key] ?? key).replace(/\$(\d)/g, (_, n: string) => String(args[Number(n) - 1] ?? ''));
}

/**
 * An error in the admin's language. In English the relay's own message is kept, since it carries the provider's
 * words; in Spanish the catalog's message is used and the provider's words stay in `serverResponse`.
 */
export function errorText(error: ShownError): { message: string; hint: string } {
  const text = catalog.errors[error.code as AnyErrorCode] ?? catalog.errors.INTERNAL;
  return { message: lang === 'en' && error.message ? error.message : text.message, hint: text.hint };
}

/** A field's validation message: the schema's English one, or the Spanish one for that field. */
export function fieldMessage(field: string, english: string): string {
  return catalog.fields?.[field as keyof typeof esModule.fields] ?? english;
}
