import { browser } from 'wxt/browser';
import { clientErrors, ui as enUi, type ErrorText, type UiKey } from '../../shared/locales/en';
import { format, LANGS, type Lang, type Params } from '../../shared/locales/lang';
import type * as esModule from '../../shared/locales/es';
import type { AnyErrorCode, ShownError } from './client-errors';

/** The browser's UI language decides (es-419 is Spanish); a language Guardmail does not speak gets English. */
export function detectLang(uiLanguage: string): Lang {
  const primary = uiLanguage.toLowerCase().split(/[-_]/)[0];
  return LANGS.find((lang) => lang === primary) ?? 'en';
}

function uiLanguage(): string {
  try {
    return browser.i18n.getUILanguage();
  } catch {
    return globalThis.navigator?.language ?? 'en'; // outside an extension page, e.g. in unit tests
  }
}

export const lang: Lang = detectLang(uiLanguage());

type Catalog = Pick<typeof esModule, 'ui'> & { errors: Partial<typeof esModule.errors>; fields?: typeof esModule.fields } & Partial<Parts>;
/** A part of the catalogue a lazy chunk brings in English itself, so that the popup's first load leaves it out. */
type Parts = Pick<typeof esModule, 'extensionsUi' | 'deploymentUi' | 'consoleUi'>;
// Named parts, not the module: the findings' and the mail's texts stay out of the popup's bundle. In English the
// relay's errors come with their own message and hint, so only the extension's own are here.
let catalog: Catalog = { ui: enUi, errors: clientErrors };

/** Each language but English (built in) is a chunk of its own, so a popup downloads only its own language. */
const LOADERS: Record<Exclude<Lang, 'en'>, () => Promise<Catalog>> = { es: () => import('../../shared/locales/es') };

/** Loads the browser's language's catalogue; call before the first render. */
export async function loadCatalog(): Promise<void> {
  if (lang !== 'en') catalog = await LOADERS[lang]();
}

/** The texts of a lazily loaded part, in the browser's language: the part's chunk passes its English. */
export function partTexts<P extends keyof Parts>(part: P, english: Parts[P]): (key: keyof Parts[P], params?: Params) => string {
  const texts = (catalog[part] ?? english) as Record<keyof Parts[P], string>;
  return (key, params) => format(texts[key], lang, params);
}

/** A UI string, its `{name}` placeholders filled from `params` as the mail's and the checks' texts are (lang.ts). */
export function t(key: UiKey, params?: Params): string {
  return format(catalog.ui[key] ?? key, lang, params);
}

/**
 * An error in the admin's language. In English the relay's own message is kept, since it carries the provider's
 * words; in Spanish the catalog's message is used and the provider's words stay in `serverResponse`.
 */
export function errorText(error: ShownError): ErrorText {
  const known = catalog.errors[error.code as AnyErrorCode];
  if (lang === 'en' && error.message) return { message: error.message, hint: error.hint ?? known?.hint ?? '' };
  const text = known ?? catalog.errors.INTERNAL ?? { message: t('errorUnexpected'), hint: t('errorUnexpectedHint') };
  return lang === 'en' ? { message: text.message, hint: error.hint ?? text.hint } : text;
}

/** A field's validation message: the schema's English one, or the Spanish one for that field. */
export function fieldMessage(field: string, english: string): string {
  return catalog.fields?.[field as keyof typeof esModule.fields] ?? english;
}
