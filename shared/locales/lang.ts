/** The languages Guardmail speaks: each has a catalogue file here (en.ts, es.ts) with the same keys. */
export const LANGS = ['en', 'es'] as const;
export type Lang = (typeof LANGS)[number];

/** A text in every language, as findings carry it: the relay mails in the policy's, the popup shows the browser's. */
export type Localized = Record<Lang, string>;

/** A sentence that changes with a count, by CLDR plural category: English and Spanish need only these two. */
export interface Plural {
  one: string;
  other: string;
}
export type Text = string | Plural;

/** Another language's catalogue: the same keys as English, with any text in its place. */
export type Catalogue<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends Plural ? Plural : Catalogue<T[K]> };

export type Params = Record<string, string | number>;

const pluralRules = new Map<Lang, Intl.PluralRules>();

/**
 * Fills `{name}` from params (numbers written the language's way), after choosing a plural entry's sentence by
 * `count`. A placeholder without a param stays as it is, so a missing one shows rather than vanishes.
 */
export function format(text: Text, lang: Lang, params: Params = {}, count?: number): string {
  let template: string;
  if (typeof text === 'string') template = text;
  else {
    const rules = pluralRules.get(lang) ?? pluralRules.set(lang, new Intl.PluralRules(lang)).get(lang)!;
    template = count !== undefined && rules.select(count) === 'one' ? text.one : text.other;
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    return value === undefined ? whole : typeof value === 'number' ? value.toLocaleString(lang) : value;
  });
}
