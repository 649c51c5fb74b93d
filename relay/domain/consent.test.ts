import { describe, expect, it } from 'vitest';
import { EXTENSION_ORIGIN, EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { MailSettings } from '../../shared/mail-settings';
import { presetFields } from '../../shared/presets';
import { authorizationUrl, checkCallback, isAllowedRedirectUrl, missingRefreshTokenHint } from './consent';

const google = { ...presetFields('google'), provider: 'google', clientId: 'cid', username: '', senderAddress: 'alerts@example.com' } as MailSettings;

describe('isAllowedRedirectUrl', () => {
  it.each([
    [EXTENSION_REDIRECT_URL, true],
    [`${EXTENSION_REDIRECT_URL}oauth`, true],
    ['https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/', false], // another extension
    [`https://${new URL(EXTENSION_REDIRECT_URL).hostname}:8443/`, false],
    ['http://127.0.0.1:5173/callback', true],
    ['http://localhost:5173/', true],
    ['http://192.168.1.10/', false],
    ['https://evil.example.com/', false],
    ['https://relay.example.com/firefox', true], // explicitly allowed below
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedRedirectUrl(url, [EXTENSION_ORIGIN], ['https://relay.example.com/firefox'])).toBe(allowed);
  });
});

describe('authorizationUrl', () => {
  it("adds Google's offline parameters, PKCE and the login hint, and the relay's own parameters win", () => {
    const url = new URL(
      authorizationUrl(
        { ...google, authorizeParams: 'access_type=offline&prompt=consent&hd=example.com' },
        { redirectUri: EXTENSION_REDIRECT_URL, state: 's', codeChallenge: 'c' },
      ),
    );
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      access_type: 'offline',
      prompt: 'consent',
      hd: 'example.com',
      response_type: 'code',
      client_id: 'cid',
      redirect_uri: EXTENSION_REDIRECT_URL,
      scope: 'https://mail.google.com/ openid email',
      state: 's',
      code_challenge: 'c',
      code_challenge_method: 'S256',
      login_hint: 'alerts@example.com',
    });
  });
});

describe('missingRefreshTokenHint', () => {
  it('names the parameter each provider needs', () => {
    expect(missingRefreshTokenHint(google)).toContain('access_type=offline');
    expect(
      missingRefreshTokenHint({ ...google, provider: 'microsoft', authorizationUrl: presetFields('microsoft', 'contoso.com').authorizationUrl! }),
    ).toContain('offline_access');
  });
});

describe('checkCallback', () => {
  const now = 1_000_000;
  const pending = { state: 'the-state', redirectUri: 'https://abc.chromiumapp.org/', expiresAt: now + 60_000, redeemed: false };
  const url = (query: string, base = 'https://abc.chromiumapp.org/') => new URL(`${base}?${query}`);

  it('lets through the redirect of the consent in progress, with its state, in time', () => {
    expect(checkCallback(pending, url('code=c&state=the-state'), now)).toEqual({ ok: true, state: 'the-state' });
  });

  it('refuses no consent, another redirect URL, another state, a second redemption and a late one, each with its code', () => {
    expect(checkCallback(null, url('state=the-state'), now)).toMatchObject({ code: 'OAUTH_NO_CONSENT_IN_PROGRESS' });
    expect(checkCallback(pending, url('state=the-state', 'https://evil.example/'), now)).toMatchObject({ code: 'VALIDATION_FAILED', field: 'callbackUrl' });
    expect(checkCallback(pending, url('state=other'), now)).toMatchObject({ code: 'OAUTH_STATE_MISMATCH' });
    expect(checkCallback({ ...pending, redeemed: true }, url('state=the-state'), now)).toMatchObject({ code: 'OAUTH_CODE_ALREADY_REDEEMED' });
    expect(checkCallback(pending, url('state=the-state'), now + 120_000)).toMatchObject({ code: 'OAUTH_CONSENT_EXPIRED' });
  });

  it('says what the provider refused, in its words', () => {
    const check = checkCallback(pending, url('state=the-state&error=access_denied&error_description=The+user+declined'), now);
    expect(check).toMatchObject({ ok: false, provider: { code: 'OAUTH_ACCESS_DENIED', detail: 'access_denied: The user declined' } });
  });
});
