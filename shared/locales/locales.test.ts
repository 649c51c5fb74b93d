import { describe, expect, it } from 'vitest';
import * as enMain from './en';
import * as enExtensions from './en-extensions';
import * as enDeployment from './en-deployment';
import * as enConsole from './en-console';
import * as es from './es';
import { format, LANGS, type Lang } from './lang';

/** English is two modules: the Extensions tab's texts load with its chunk. */
const en = { ...enMain, ...enExtensions, ...enDeployment, ...enConsole };
const CATALOGUES: Record<Lang, Record<string, unknown>> = { en, es };
/** What a person reads: the popup, the errors with their hints, the checks' findings and the alert mail. */
const SECTIONS = ['ui', 'extensionsUi', 'deploymentUi', 'consoleUi', 'errors', 'checks', 'mail'] as const;

/** Every text of a section by its dotted key. */
function texts(value: unknown, prefix = ''): Map<string, string> {
  if (typeof value === 'string') return new Map([[prefix, value]]);
  return new Map(Object.entries(value as object).flatMap(([key, inner]) => [...texts(inner, prefix ? `${prefix}.${key}` : key)]));
}

/** `{name}` everywhere: a translation that drops or invents one says something else. */
const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();

describe('the message catalogues', () => {
  for (const lang of LANGS.filter((l) => l !== 'en')) {
    for (const section of SECTIONS) {
      it(`${lang} has every ${section} text of English, no other, with the same placeholders`, () => {
        const english = texts(en[section]);
        const other = texts(CATALOGUES[lang][section]);
        expect([...other.keys()].sort()).toEqual([...english.keys()].sort());
        for (const [key, text] of english) {
          expect(other.get(key), `${lang}: ${section}.${key}`).toBeTruthy();
          // A plural's forms differ in their words, not in what they fill in; "one" may leave the count out.
          const expected = placeholders(text).filter((p) => !(key.endsWith('.one') && p === '{count}'));
          expect(
            placeholders(other.get(key)!).filter((p) => !(key.endsWith('.one') && p === '{count}')),
            `${lang}: ${section}.${key}`,
          ).toEqual(expected);
        }
      });
    }
  }

  it("chooses a plural's sentence by the count and writes numbers the language's way", () => {
    expect(format(en.mail.subject, 'en', { count: 1, worst: 'highly vulnerable' }, 1)).toBe('[Guardmail] 1 browser highly vulnerable');
    expect(format(en.mail.subject, 'en', { count: 2_973, worst: 'highly vulnerable' }, 2_973)).toBe('[Guardmail] 2,973 browsers highly vulnerable');
    expect(format(es.mail.subject, 'es', { count: 12_345, worst: 'altamente vulnerable' }, 12_345)).toBe('[Guardmail] 12.345 navegadores altamente vulnerable');
    expect(format(es.mail.moreDevices, 'es', { count: 1 }, 1)).toBe('Y 1 navegador más: la lista completa está en el panel Flota de la extensión.');
  });

  it("fills in one pass: a report's words that look like a placeholder stay words", () => {
    expect(format('{extension} has risky permissions ({id})', 'en', { extension: '{id}', id: 'abc' })).toBe('{id} has risky permissions (abc)');
  });

  it('leaves a placeholder it has no value for in sight, and never reads one from the object prototype', () => {
    expect(format('Update {name} to {target}', 'en', { name: 'Chrome' })).toBe('Update Chrome to {target}');
    expect(format('{constructor}', 'en', {})).toBe('{constructor}');
  });
});
