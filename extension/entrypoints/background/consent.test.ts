import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { consentItem } from '../../utils/storage';
import { startConsent } from './consent';

const connection = { relayUrl: 'http://127.0.0.1:8787', adminToken: 'gm_adm_test' };

/** The relay, at the unit level: answers the authorize and callback calls. */
function stubRelay() {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      calls.push(new URL(url).pathname);
      const body = url.endsWith('/authorize')
        ? { authorizationUrl: 'https://login.example.com/authorize?x=1', expiresAt: '' }
        : { account: 'alerts@example.com', scope: 's', accessTokenExpiresAt: '' };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

async function settled() {
  await vi.waitFor(async () => expect((await consentItem.getValue()).phase).not.toBe('running'));
  return consentItem.getValue();
}

describe('the consent flow in the background', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    fakeBrowser.identity.getRedirectURL = () => 'https://iiigkidhbdbfplmdfdenmmlfkhnilkhk.chromiumapp.org/';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('hands the final URL to the relay and records the connected account', async () => {
    const calls = stubRelay();
    fakeBrowser.identity.launchWebAuthFlow = vi.fn(async () => 'https://iiigkidhbdbfplmdfdenmmlfkhnilkhk.chromiumapp.org/?code=c&state=s');
    startConsent(connection);
    expect(await settled()).toMatchObject({ phase: 'connected', account: 'alerts@example.com' });
    expect(calls).toEqual(['/api/v1/oauth/authorize', '/api/v1/oauth/callback']);
  });

  it.each([
    ['The user did not approve access.', 'CONSENT_WINDOW_CLOSED'],
    ['Authorization page could not be loaded.', 'CONSENT_PAGE_UNLOADABLE'],
  ])('turns Chromium\'s "%s" into %s', async (message, code) => {
    const calls = stubRelay();
    fakeBrowser.identity.launchWebAuthFlow = vi.fn(async () => {
      throw new Error(message);
    });
    startConsent(connection);
    expect(await settled()).toMatchObject({ phase: 'failed', error: { code } });
    expect(calls).toEqual(['/api/v1/oauth/authorize']);
  });

  it('refuses a second flow while one runs', async () => {
    stubRelay();
    let finish: (url: string) => void = () => undefined;
    fakeBrowser.identity.launchWebAuthFlow = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    startConsent(connection);
    expect(() => startConsent(connection)).toThrow(expect.objectContaining({ shown: { code: 'CONSENT_IN_PROGRESS' } }));
    await vi.waitFor(() => expect(fakeBrowser.identity.launchWebAuthFlow).toHaveBeenCalledOnce());
    finish('https://iiigkidhbdbfplmdfdenmmlfkhnilkhk.chromiumapp.org/?code=c&state=s');
    expect((await settled()).phase).toBe('connected');
  });
});
