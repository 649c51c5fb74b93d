import { checks as en } from '../locales/en';
import { checks as es } from '../locales/es';
import { format, LANGS, type Lang, type Localized, type Params, type Text } from '../locales/lang';

export type CheckTexts = typeof en;

const TEXTS: Record<Lang, CheckTexts> = { en, es };

/** The checks' texts in one language, for a part of a sentence that a check assembles itself. */
export const checkTexts = (lang: Lang): CheckTexts => TEXTS[lang];

/**
 * A check's text in every language: `pick` finds it in each catalogue, `params` fill it (per language where they are
 * words themselves, such as a list of CVEs), and `count` chooses a plural entry's sentence.
 */
export function localize(pick: (texts: CheckTexts) => Text, params: Params | ((lang: Lang) => Params) = {}, count?: number): Localized {
  return Object.fromEntries(
    LANGS.map((lang) => [lang, format(pick(TEXTS[lang]), lang, typeof params === 'function' ? params(lang) : params, count)]),
  ) as Localized;
}
