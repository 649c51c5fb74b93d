import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../shared/errors';
import * as en from '../../shared/locales/en';
import * as es from '../../shared/locales/es';
import { CLIENT_ERROR_CODES } from './client-errors';
import { detectLang, errorText, t } from './i18n';

describe('i18n', () => {
  it('follows the browser language: Spanish for any es-*, English otherwise', () => {
    expect(detectLang('es-419')).toBe('es');
    expect(detectLang('es')).toBe('es');
    expect(detectLang('en-GB')).toBe('en');
    expect(detectLang('fr')).toBe('en');
  });

  it('fills placeholders', () => {
    expect(t('testSent', { to: 'it@example.com', answer: '250 OK' })).toBe('Sent to it@example.com. The server answered: 250 OK');
  });

  it('has a Spanish text, different from the English one, for every relay and extension error code', () => {
    for (const code of [...Object.keys(errorCodes), ...CLIENT_ERROR_CODES] as (keyof typeof es.errors)[]) {
      expect(es.errors[code]?.message, code).toBeTruthy();
      expect(es.errors[code].hint, code).not.toBe(en.errors[code].hint);
    }
  });

  it("keeps the relay's English message, which carries the provider's own words", () => {
    expect(
      errorText({ code: 'OAUTH_PROVIDER_ERROR', message: 'The authorization server answered with an error. (temporarily_unavailable)' }).message,
    ).toContain('temporarily_unavailable');
    expect(errorText({ code: 'RELAY_UNREACHABLE' }).message).toBe('The relay cannot be reached.');
  });
});
