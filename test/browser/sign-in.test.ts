import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAnswer } from '../../shared/api';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import { fill, launchBrowser, press, sendFromPage, type TestBrowser } from '../fixtures/browser';
import { serveTestRelay } from '../fixtures/relay';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';

/** Entra security groups' object IDs, as the `groups` claim carries them. */
const OWNERS = '0b7c2f4e-9d1a-4c3b-8e5f-6a7b8c9d0e11';
const VIEWERS = '1c8d3a5f-0e2b-4d4c-9f6a-7b8c9d0e1f22';
const OWNER = 'olivia@contoso.example';
const VIEWER = 'vera@contoso.example';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;
let idp: AuthorizationServer;
let popup: Page;

beforeAll(async () => {
  [chromium, relay, idp] = await Promise.all([
    launchBrowser(),
    serveTestRelay(),
    startAuthorizationServer({
      flavour: 'microsoft',
      clients: { 'guardmail-admins': { secret: 'e2e-sign-in-secret', redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
      directory: { [OWNER]: { groups: [OWNERS] }, [VIEWER]: { groups: [VIEWERS] } },
    }),
  ]);
  const put = await relay.call('PUT', '/api/v1/identity', {
    preset: 'entra',
    issuer: idp.issuer,
    clientId: 'guardmail-admins',
    clientSecret: 'e2e-sign-in-secret',
    roleClaim: 'groups',
    owners: [OWNERS],
    operators: [],
    viewers: [VIEWERS],
    hostedDomain: '',
  });
  expect(put.status).toBe(200);
  popup = await chromium.openPopup();
});

afterAll(async () => {
  await chromium?.close();
  await Promise.all([relay?.stop(), idp?.close()]);
});

/**
 * Signs in from the popup: Sign in opens the provider's own pages in the browser's auth window (launchWebAuthFlow),
 * where the admin types their login and password and approves; the provider's session cookies are cleared first, so
 * that each admin signs in as themselves.
 */
async function signInAs(user: string): Promise<void> {
  const cdp = await popup.createCDPSession();
  await cdp.send('Network.clearBrowserCookies');
  await cdp.detach();
  await fill(popup, 'relayUrl', relay.url);
  const opened = chromium.browser.waitForTarget((t) => t.url().startsWith(new URL(idp.issuer).origin), { timeout: 20_000 });
  await press(popup, '#sign-in');
  const page = await (await opened).asPage();
  for (let step = 0; step < 2; step++) {
    await page.waitForSelector('button[type=submit]', { timeout: 20_000 });
    if (await page.$('input[name=login]')) {
      await page.type('input[name=login]', user);
      await page.type('input[name=password]', 'the admin types the password');
    }
    await Promise.all([page.waitForNavigation({ timeout: 20_000 }).catch(() => undefined), page.click('button[type=submit]')]);
    if (page.isClosed() || !page.url().startsWith(new URL(idp.issuer).origin)) break;
  }
}

const actingAs = (name: string) =>
  popup.waitForFunction((n: string) => document.querySelector('#acting-as')?.textContent?.includes(n), { timeout: 20_000 }, name);

describe('admins signing in from the popup in Chromium', () => {
  it("signs an owner in through the provider's own pages; the popup says who, with what role, and the audit entry of a change names them", async () => {
    await signInAs(OWNER);
    await actingAs(`${OWNER} (owner)`);
    expect(await popup.$eval('#connected-to', (e) => e.textContent)).toContain(`signed in as ${OWNER}`);
    // The session is in memory only, never in the extension's local storage.
    const stored = (await popup.evaluate(() =>
      (globalThis as unknown as { chrome: { storage: { local: { get(): Promise<unknown> } } } }).chrome.storage.local.get(),
    )) as Record<string, unknown>;
    expect(JSON.stringify(stored)).not.toContain('gm_ses_');

    await press(popup, '#tab-alerts');
    await fill(popup, 'recipients', 'it@contoso.example');
    await press(popup, '#save-policy');
    await popup.waitForFunction(() => document.body.innerText.includes('Saved'), { timeout: 10_000 });
    const { entries } = (await (await relay.call('GET', '/api/v1/audit?limit=5')).json()) as AuditAnswer;
    expect(entries.find((e) => e.action === 'alert-policy.updated')).toMatchObject({ actor: OWNER, role: 'owner' });
    await press(popup, '#tab-status');
    await popup.waitForFunction((n: string) => document.querySelector('#audit')?.textContent?.includes(n), { timeout: 10_000 }, `${OWNER} (owner)`);
    // An owner sees who is signed in, and may end a session there.
    await press(popup, '#tab-fleet');
    await press(popup, '#tokens summary');
    await popup.waitForFunction((n: string) => document.querySelector('#sessions')?.textContent?.includes(n), { timeout: 10_000 }, `${OWNER}: owner`);
  });

  it("signs out, and a viewer's popup shows no Save while the relay refuses the viewer's forged save with 403", async () => {
    await press(popup, '#tab-status');
    await press(popup, '#sign-out');
    await popup.waitForSelector('#sign-in');
    await signInAs(VIEWER);
    await actingAs(`${VIEWER} (viewer)`);
    await press(popup, '#tab-alerts');
    await popup.waitForSelector('#panel-alerts .read-only');
    expect(await popup.$('#save-policy')).toBeNull();
    const forged = await sendFromPage(popup, { type: 'policy/save', policy: { recipients: ['mallory@example.com'] } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'ROLE_TOO_LOW' } });
    expect(((await (await relay.call('GET', '/api/v1/alert-policy')).json()) as { recipients: string[] }).recipients).toEqual(['it@contoso.example']);
    const { entries } = (await (await relay.call('GET', '/api/v1/audit?limit=5')).json()) as AuditAnswer;
    expect(entries.find((e) => e.action === 'auth.refused')).toMatchObject({ actor: VIEWER, role: 'viewer' });
  });
});
