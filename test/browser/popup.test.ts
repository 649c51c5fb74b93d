import type { Page, Target } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_ID, EXTENSION_REDIRECT_URL } from '../../shared/extension';
import { EXTENSION_DIR, fill, launchBrowser, press, sendFromPage, type TestBrowser } from '../fixtures/browser';
import { fleetExtensionOf, serveTestRelay, SMTP_PASSWORD, SMTP_USER } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';
import { startGmail } from '../peers/gmail';
import { startGraph, type GraphPeer } from '../peers/graph';
import { startMicrosoft365 } from '../peers/microsoft-365';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';

const CLIENT_SECRET = 'e2e-client-secret';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;
let as: AuthorizationServer;
let asGoogle: AuthorizationServer;
let oauthSmtp: SmtpPeer;
let gmail: SmtpPeer;
let basicSmtp: SmtpPeer;
let graph: GraphPeer;
let popup: Page;

beforeAll(async () => {
  [chromium, relay, as] = await Promise.all([
    launchBrowser(),
    // Delayed as soon as an alert is due and not sent, so the popup's notice shows without waiting 15 minutes.
    serveTestRelay({ delivery: { queueLifetimeMs: 5 * 86_400_000, delayedAfterMs: 1 }, extension: fleetExtensionOf(EXTENSION_DIR) }),
    startAuthorizationServer({
      flavour: 'microsoft',
      clients: { 'e2e-client': { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    }),
  ]);
  asGoogle = await startAuthorizationServer({
    flavour: 'google',
    clients: { 'e2e-client': { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
  });
  [oauthSmtp, basicSmtp, gmail, graph] = await Promise.all([
    startMicrosoft365({ verifyToken: as.verifyToken }),
    startMta({ tls: 'implicit', users: { [SMTP_USER]: SMTP_PASSWORD } }),
    startGmail({ verifyToken: asGoogle.verifyToken }),
    startGraph({ verifyToken: as.verifyToken, mailboxes: ['alerts@example.com'] }),
  ]);
  popup = await chromium.openPopup();
});

afterAll(async () => {
  await chromium?.close();
  await Promise.all([relay?.stop(), as?.close(), asGoogle?.close(), oauthSmtp?.close(), basicSmtp?.close(), gmail?.close(), graph?.close()]);
});

const text = (page: Page) => page.evaluate(() => document.body.innerText);
const waitForText = (page: Page, needle: string) => page.waitForFunction((n: string) => document.body.innerText.includes(n), { timeout: 20_000 }, needle);
const consentWindow = (server = as): Promise<Target> =>
  chromium.browser.waitForTarget((t) => t.url().startsWith(new URL(server.authorizationUrl).origin), { timeout: 20_000 });

/** On oidc-provider's own pages: types the password where it asks to sign in, then approves on the consent page. */
async function signInAndApprove(page: Page, server = as): Promise<void> {
  for (let step = 0; step < 2; step++) {
    await page.waitForSelector('button[type=submit]', { timeout: 20_000 });
    if (await page.$('input[name=password]')) {
      await page.type('input[name=password]', 'the admin types the password');
    }
    await Promise.all([page.waitForNavigation({ timeout: 20_000 }).catch(() => undefined), page.click('button[type=submit]')]);
    if (page.isClosed() || !page.url().startsWith(new URL(server.authorizationUrl).origin)) return;
  }
}

async function fillCommon(page: Page) {
  await fill(page, 'senderName', 'Guardmail Alerts');
  await fill(page, 'senderAddress', 'alerts@example.com');
  await fill(page, 'testAddress', 'it@example.com');
}

describe('the admin popup in Chromium', () => {
  it('says that a browser without a relay URL from policy reports nothing', async () => {
    const panel = await popup.waitForSelector('#this-browser');
    expect(await panel!.evaluate((e) => (e as HTMLElement).innerText)).toContain('Not managed: no relay URL is set by policy');
  });

  it('explains a plain-http relay off loopback and a wrong admin token', async () => {
    await fill(popup, 'relayUrl', 'http://10.20.30.40:8787');
    await fill(popup, 'adminToken', 'gm_adm_wrong-token-wrong-token-wrong-token-xx');
    await press(popup, '#connect');
    await popup.waitForSelector('.error[data-code="RELAY_URL_INSECURE"]');

    await fill(popup, 'relayUrl', relay.url);
    await press(popup, '#connect');
    const error = await popup.waitForSelector('.error[data-code="UNAUTHORIZED"]');
    expect(await error!.evaluate((e) => (e as HTMLElement).innerText)).toContain('GUARDMAIL_ADMIN_TOKEN');
  });

  it('connects with the admin token and shows it masked', async () => {
    await fill(popup, 'adminToken', relay.adminToken);
    await press(popup, '#connect');
    await popup.waitForSelector('#connected-to');
    const shown = await text(popup);
    expect(shown).toContain(`Connected to ${relay.url}`);
    expect(shown).not.toContain(relay.adminToken);
    await popup.waitForSelector('#save');
  });

  it('validates as the admin types, with the shared schema', async () => {
    await press(popup, '#tab-mail');
    await fill(popup, 'port', '70000');
    await popup.waitForSelector('#port-error');
    expect(await popup.$eval('#port-error', (e) => e.textContent)).toContain('between 1 and 65535');
    expect(await popup.$eval('#port', (e) => e.getAttribute('aria-invalid'))).toBe('true');
  });

  it('configures basic authentication over SMTPS and sends the test mail', async () => {
    await popup.select('#authType', 'basic');
    await popup.select('#provider', 'custom');
    await fill(popup, 'host', '127.0.0.1');
    await fill(popup, 'port', String(basicSmtp.port));
    await press(popup, '#emailType-smtps');
    await fillCommon(popup);
    await fill(popup, 'username', 'alerts@example.com');
    await fill(popup, 'password', SMTP_PASSWORD);
    await press(popup, '#advanced > summary');
    await popup.$eval(
      '#caCertificate',
      (e, pem) => {
        const area = e as HTMLTextAreaElement;
        area.value = pem;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      },
      testPki().caCert,
    );
    await press(popup, '#save');
    await waitForText(popup, 'Saved.');
    // A saved secret shows as set, never as its value.
    expect(await popup.$eval('#password', (e) => (e as HTMLInputElement).value)).toBe('');
    expect(await text(popup)).toContain('Saved. Leave empty to keep it.');

    await press(popup, '#tab-status');
    await press(popup, '#send-test');
    const result = await popup.waitForSelector('#test-result', { timeout: 20_000 });
    expect(await result!.evaluate((e) => e.textContent)).toContain('250 OK: queued');
    expect(basicSmtp.received).toHaveLength(1);
    expect(basicSmtp.received[0]!.user).toBe('alerts@example.com');
    // The change is in the audit log, folded in the status view.
    await popup.waitForFunction(() => document.querySelector('#audit')?.textContent?.includes('Mail settings changed'), { timeout: 10_000 });
  });

  it('guides the admin, with the redirect URL, when the consent window is closed; a second click starts no second flow', async () => {
    await press(popup, '#tab-mail');
    await popup.select('#authType', 'oauth');
    await fill(popup, 'port', String(oauthSmtp.port));
    await press(popup, '#emailType-smtp');
    await fill(popup, 'clientId', 'e2e-client');
    await fill(popup, 'clientSecret', CLIENT_SECRET);
    await fill(popup, 'authorizationUrl', as.authorizationUrl);
    await fill(popup, 'tokenUrl', as.tokenUrl);
    await fill(popup, 'scope', as.mailScope);
    expect(await popup.$eval('#redirect-url', (e) => (e as HTMLInputElement).value)).toBe(EXTENSION_REDIRECT_URL);
    // Copy puts the exact URL on the clipboard, for the app registration.
    await chromium.browser.defaultBrowserContext().overridePermissions(`chrome-extension://${EXTENSION_ID}`, ['clipboard-read', 'clipboard-sanitized-write']);
    await popup.bringToFront();
    await press(popup, '.redirect button');
    await waitForText(popup, 'Copied');
    expect(await popup.evaluate(() => navigator.clipboard.readText())).toBe(EXTENSION_REDIRECT_URL);

    await press(popup, '#save');
    const window = await consentWindow();
    await press(popup, '#save');
    await popup.waitForSelector('.error[data-code="CONSENT_IN_PROGRESS"]');
    expect(chromium.browser.targets().filter((t) => t.url().startsWith(new URL(as.authorizationUrl).origin))).toHaveLength(1);

    await (await window.asPage()).close();
    const guidance = await popup.waitForSelector('#consent .error[data-code="CONSENT_WINDOW_CLOSED"]', { timeout: 20_000 });
    const shown = await guidance!.evaluate((e) => (e as HTMLElement).innerText);
    expect(shown).toContain('redirect_uri_mismatch');
    expect(await guidance!.$eval('#redirect-url', (e) => (e as HTMLInputElement).value)).toBe(EXTENSION_REDIRECT_URL);
  });

  it("connects through oidc-provider's own sign-in and consent pages and delivers the test mail over XOAUTH2 to the Microsoft replica", async () => {
    await press(popup, '#tab-status');
    await press(popup, '#reauthorize');
    await signInAndApprove(await (await consentWindow()).asPage());
    await waitForText(popup, 'Connected as alerts@example.com');
    await popup.waitForSelector('#account');
    expect(await popup.$eval('#account', (e) => e.textContent)).toBe('alerts@example.com');

    await press(popup, '#send-test');
    await popup.waitForSelector('#test-result', { timeout: 20_000 });
    expect(oauthSmtp.received).toHaveLength(1);
    expect(oauthSmtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: 'alerts@example.com', secure: true, accepted: true }]);
  });

  it('shows "re-authorization required" with its reason once the grant is revoked, and Re-authorize restores sending', async () => {
    await as.revokeAll();
    await press(popup, '#send-test');
    await popup.waitForSelector('#attention-reauth', { timeout: 20_000 });
    expect(await popup.$eval('#attention-reauth', (e) => e.textContent)).toContain('AADSTS50173');
    // The status tab counts what needs attention (the alert policy has no recipient yet, for one).
    expect(await popup.$eval('#tab-status .badge', (e) => e.textContent)).toBe(String(await popup.$$eval('#attention li', (l) => l.length)));

    await press(popup, '#reauthorize');
    await signInAndApprove(await (await consentWindow()).asPage());
    await waitForText(popup, 'Connected as alerts@example.com');
    await popup.waitForFunction(() => !document.querySelector('#attention-reauth'), { timeout: 20_000 });
    await press(popup, '#send-test');
    await popup.waitForSelector('#test-result', { timeout: 20_000 });
    expect(oauthSmtp.received).toHaveLength(2);
  });

  it('switches to a Google-like provider and delivers the test mail over XOAUTH2 to the Gmail replica on implicit TLS', async () => {
    await press(popup, '#tab-mail');
    await fill(popup, 'port', String(gmail.port));
    await press(popup, '#emailType-smtps');
    await fill(popup, 'authorizationUrl', asGoogle.authorizationUrl);
    await fill(popup, 'tokenUrl', asGoogle.tokenUrl);
    await fill(popup, 'scope', asGoogle.mailScope);
    await fill(popup, 'authorizeParams', asGoogle.authorizeParams);
    // A new token URL: the stored client secret is not sent there unless given again.
    await fill(popup, 'clientSecret', CLIENT_SECRET);
    await press(popup, '#save');
    await signInAndApprove(await (await consentWindow(asGoogle)).asPage(), asGoogle);
    await waitForText(popup, 'Connected as alerts@example.com');

    await press(popup, '#tab-status');
    await press(popup, '#send-test');
    await popup.waitForSelector('#test-result', { timeout: 20_000 });
    expect(gmail.received).toHaveLength(1);
    expect(gmail.received[0]!.secure).toBe(true);
    expect(gmail.authAttempts).toEqual([{ method: 'XOAUTH2', username: 'alerts@example.com', secure: true, accepted: true }]);
  });

  it('shows the result after the popup is reopened, and keeps no secret in extension storage', async () => {
    const reopened = await chromium.openPopup();
    await waitForText(reopened, 'Connected as alerts@example.com');
    type ChromeStorage = { chrome: { storage: { local: { get(keys: null): Promise<Record<string, unknown>> } } } };
    const stored = await (await chromium.worker()).evaluate(() => (globalThis as unknown as ChromeStorage).chrome.storage.local.get(null));
    const dump = JSON.stringify(stored);
    for (const secret of [SMTP_PASSWORD, CLIENT_SECRET, (await relay.deps.oauth.refreshToken())!]) expect(dump).not.toContain(secret);
    await reopened.close();
  });

  it('says in red that alert mail is delayed, since when, and the fix from the error table', async () => {
    // No recipient in the alert policy: the alert waits, due at once.
    expect((await relay.call('PUT', '/api/v1/alert-policy', { recipients: [], groupingWindowSeconds: 0 })).status).toBe(200);
    const res = await relay.call('POST', '/api/v1/reports', riskyReport({ deviceId: 'device-waiting' }), { token: relay.enrollmentToken });
    expect(res.status).toBe(202);
    // The outbox counts waiting in whole seconds.
    await new Promise((r) => setTimeout(r, 1_100));
    const reopened = await chromium.openPopup();
    const notice = await reopened.waitForSelector('#delivery-delayed .error[data-code="ALERT_RECIPIENTS_MISSING"]', { timeout: 20_000 });
    const shown = await reopened.$eval('#delivery-delayed', (e) => (e as HTMLElement).innerText);
    expect(shown).toMatch(/^Alert mail delayed since .+\. It is retried until the fix below is made\./);
    expect(shown).toContain('Alerts wait: the alert policy has no recipient.');
    expect(shown).toContain("Add the admins' addresses under Alerts in the popup");
    const colors = await reopened.$eval('#delivery-delayed .warn', (e) => [
      getComputedStyle(e).color,
      getComputedStyle(document.querySelector('.error')!).color,
    ]);
    expect(colors[0]).toBe(colors[1]);
    expect(await notice!.evaluate((e) => getComputedStyle(e).borderLeftColor)).toBe(colors[1]);
    // What needs attention links to the tab that fixes it, and the focus follows.
    await press(reopened, '#attention-no-recipients button');
    await reopened.waitForSelector('#tab-alerts[aria-selected="true"]');
    await reopened.waitForFunction(() => document.activeElement?.id === 'panel-alerts');
    await press(reopened, '#tab-status');
    // This relay has fetched no vendor release data: the Fleet panel says what versions are judged against.
    expect(await reopened.$eval('#release-basis', (e) => (e as HTMLElement).innerText)).toContain(
      'No vendor release data yet: browser versions are judged against the newest that enough of the fleet runs.',
    );
    await reopened.close();
  });

  it('saves the benchmarks the admin is audited against with the alert policy', async () => {
    const reopened = await chromium.openPopup();
    await reopened.waitForSelector('#baseline-stig');
    await press(reopened, '#tab-alerts');
    await fill(reopened, 'recipients', 'it@example.com');
    await press(reopened, '#baseline-cis-l2');
    await press(reopened, '#baseline-stig');
    await press(reopened, '#save-policy');
    await waitForText(reopened, 'Saved');
    const policy = (await (await relay.call('GET', '/api/v1/alert-policy')).json()) as { recipients: string[]; baselines: string[] };
    expect(policy).toMatchObject({ recipients: ['it@example.com'], baselines: ['stig', 'cis-l2'] });
    await reopened.close();
  });

  it("shows the fleet's extension and downloads its policy, asking for the enrollment token the relay does not keep", async () => {
    const reopened = await chromium.openPopup();
    const { id, firefox } = relay.deps.extension!.identity;
    // The section is a chunk of its own, loaded with the Fleet tab.
    await press(reopened, '#tab-fleet');
    await press(reopened, '#deployment > summary');
    await reopened.waitForSelector('#deployment-id', { timeout: 20_000 });
    expect(await reopened.$eval('#deployment-id', (e) => (e as HTMLElement).innerText)).toBe(id);
    expect(await reopened.$eval('#deployment-update-url', (e) => (e as HTMLElement).innerText)).toContain(`${relay.url}/extension/updates.xml`);
    expect(await reopened.$eval('#deployment-firefox-id', (e) => (e as HTMLElement).textContent)).toBe(firefox.id);
    expect(await reopened.$eval('#deployment-firefox-redirect-url', (e) => (e as HTMLElement).textContent)).toBe(firefox.redirectUrl);
    // This relay was given its tokens, so it keeps only their hashes: the popup asks, and the relay checks the answer.
    await fill(reopened, 'deploymentEnrollmentToken', 'gm_enr_not-the-one');
    await press(reopened, '#policy-linux');
    await reopened.waitForSelector('#deployment .error[data-code="ENROLLMENT_TOKEN_WRONG"]');
    await fill(reopened, 'deploymentEnrollmentToken', relay.enrollmentToken);
    await press(reopened, '#policy-windows');
    await waitForText(reopened, 'Saved guardmail.reg');
    expect((await relay.deps.audit.list(1))[0]).toMatchObject({ action: 'deployment.policy-written', details: { platform: 'windows', browser: 'chromium' } });
    await press(reopened, '#policy-firefox-linux');
    await waitForText(reopened, 'Saved policies.json');
    expect((await relay.deps.audit.list(1))[0]).toMatchObject({ action: 'deployment.policy-written', details: { platform: 'linux', browser: 'firefox' } });
    await reopened.close();
  });

  it('sets up Microsoft Graph app-only: the permission to grant, no redirect URL, no consent window, and the test mail through Graph', async () => {
    as.appPermissions['e2e-client'] = ['Mail.Send'];
    await press(popup, '#tab-mail');
    await popup.select('#provider', 'microsoft');
    await popup.select('#transport', 'graph');
    await popup.select('#oauthGrant', 'client_credentials');
    expect(await popup.$('#host')).toBeNull();
    expect(await popup.$('#redirect-url')).toBeNull();
    expect(await popup.$('#authorizationUrl')).toBeNull();
    expect(await popup.$eval('#permissions-help', (e) => e.textContent)).toContain(
      'Microsoft Graph › Application permissions: Mail.Send, then "Grant admin consent"',
    );
    expect(await popup.$eval('#scope', (e) => (e as HTMLInputElement).value)).toBe('https://graph.microsoft.com/.default');
    // Microsoft's preset filled the endpoints, so they are folded away.
    expect(await popup.$eval('#endpoints', (e) => (e as HTMLDetailsElement).open)).toBe(false);
    await press(popup, '#endpoints > summary');
    await fill(popup, 'tokenUrl', as.tokenUrl);
    await fill(popup, 'clientSecret', CLIENT_SECRET);
    await fill(popup, 'apiUrl', graph.url);
    const windowsBefore = chromium.browser.targets().length;
    await press(popup, '#save');
    await waitForText(popup, 'Saved.');
    expect(chromium.browser.targets()).toHaveLength(windowsBefore);

    await press(popup, '#tab-status');
    await popup.waitForSelector('#app-only', { timeout: 20_000 });
    expect(await popup.$eval('#destination', (e) => e.textContent)).toBe(`Microsoft Graph (${graph.url})`);
    expect(await popup.$('#reauthorize')).toBeNull();
    await press(popup, '#send-test');
    const result = await popup.waitForSelector('#test-result', { timeout: 20_000 });
    expect(await result!.evaluate((e) => e.textContent)).toContain('202 Accepted (Microsoft Graph)');
    expect(graph.requests.map((r) => [r.path, r.status])).toEqual([['/v1.0/users/alerts%40example.com/sendMail', 202]]);
    expect(graph.received[0]).toMatchObject({ from: 'alerts@example.com', to: ['it@example.com'] });
  });

  it('opens on the status view, and the arrow keys move between the tabs as the tabs pattern says', async () => {
    const reopened = await chromium.openPopup();
    await reopened.waitForSelector('#tab-status[aria-selected="true"]');
    const selected = () =>
      reopened.evaluate(() => ({
        tab: document.querySelector('[role="tab"][aria-selected="true"]')!.id,
        focused: document.activeElement?.id,
        shown: [...document.querySelectorAll<HTMLElement>('[role="tabpanel"]')].filter((p) => !p.hidden).map((p) => p.id),
        tabStops: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.getAttribute('tabindex') === '0').length,
      }));
    await reopened.focus('#tab-status');
    await reopened.keyboard.press('ArrowRight');
    expect(await selected()).toEqual({ tab: 'tab-mail', focused: 'tab-mail', shown: ['panel-mail'], tabStops: 1 });
    await reopened.keyboard.press('End');
    expect(await selected()).toMatchObject({ tab: 'tab-fleet', focused: 'tab-fleet', shown: ['panel-fleet'] });
    await reopened.keyboard.press('ArrowRight');
    expect(await selected()).toMatchObject({ tab: 'tab-status', shown: ['panel-status'] });
    await reopened.keyboard.press('ArrowLeft');
    expect(await selected()).toMatchObject({ tab: 'tab-fleet' });
    await reopened.keyboard.press('Home');
    expect(await selected()).toMatchObject({ tab: 'tab-status' });
    // Each tab names its panel, and each panel the tab that shows it.
    expect(
      await reopened.$$eval('[role="tab"]', (tabs) =>
        tabs.every((t) => document.getElementById(t.getAttribute('aria-controls')!)?.getAttribute('aria-labelledby') === t.id),
      ),
    ).toBe(true);
    await reopened.close();
  });

  it('fits every tab in the 600 px popup without scrolling, and labels every control', async () => {
    // As an admin opens it: Microsoft 365 over Graph app-only saved, what the preset filled folded away.
    const reopened = await chromium.openPopup();
    await reopened.waitForSelector('#tab-status');
    for (const tab of ['status', 'mail', 'alerts', 'fleet']) {
      await press(reopened, `#tab-${tab}`);
      const { bottom, scrollWidth, clientWidth, unlabeled } = await reopened.evaluate(() => ({
        bottom: document.querySelector('main')!.getBoundingClientRect().bottom,
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        unlabeled: [...document.querySelectorAll('input, select, textarea')]
          .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label'))
          .map((e) => e.id),
      }));
      expect(bottom, tab).toBeLessThanOrEqual(600);
      expect(scrollWidth, tab).toBeLessThanOrEqual(clientWidth);
      expect(unlabeled, tab).toEqual([]);
    }
    await reopened.close();
  });

  it('opens the same tabs in a page of their own, at the tab the popup showed', async () => {
    await press(popup, '#tab-alerts');
    const opened = chromium.browser.waitForTarget((t) => t.url().startsWith(`chrome-extension://${EXTENSION_ID}/options.html`), { timeout: 10_000 });
    await press(popup, '#open-in-tab');
    const page = (await (await opened).asPage())!;
    expect(page.url()).toBe(`chrome-extension://${EXTENSION_ID}/options.html#alerts`);
    await page.waitForSelector('#tab-alerts[aria-selected="true"]');
    await page.waitForSelector('#recipients', { visible: true });
    expect(await page.$eval('#recipients', (e) => (e as HTMLTextAreaElement).value)).toBe('it@example.com');
    expect(await page.$('#open-in-tab')).toBeNull();
    // The tab chosen here is kept in the address, for a reload or a bookmark.
    await press(page, '#tab-fleet');
    expect(page.url()).toBe(`chrome-extension://${EXTENSION_ID}/options.html#fleet`);
    await page.close();
  });
  it('lets an owner make an API token, shown once, and revoke it from the Fleet tab', async () => {
    // The popup of the tests above closed itself when it opened its tabs in a page.
    const popup = await chromium.openPopup();
    await press(popup, '#tab-fleet');
    await press(popup, '#tokens > summary');
    await fill(popup, 'tokenName', 'ci pipeline');
    await press(popup, '#tokenRole-operator');
    await fill(popup, 'tokenDays', '7');
    await press(popup, '#make-token');
    const shown = await popup.waitForSelector('#token-made code', { timeout: 10_000 });
    const token = await shown!.evaluate((e) => e.textContent ?? '');
    expect(token).toMatch(/^gm_api_/);
    expect((await relay.call('PUT', '/api/v1/alert-policy', await (await relay.call('GET', '/api/v1/alert-policy')).json(), { token })).status).toBe(200);
    await popup.waitForFunction(() => document.querySelector('ul.tokens')?.textContent?.includes('ci pipeline: operator'), { timeout: 10_000 });
    const id = ((await (await relay.call('GET', '/api/v1/tokens')).json()) as { tokens: { id: number; name: string }[] }).tokens.find(
      (t) => t.name === 'ci pipeline',
    )!.id;
    await press(popup, `button[data-token="${id}"]`);
    await popup.waitForFunction(() => document.querySelector('ul.tokens')?.textContent?.includes('revoked'), { timeout: 10_000 });
    expect((await relay.call('GET', '/api/v1/status', undefined, { token })).status).toBe(401);
    await popup.close();
  });

  it('acts with the role of the token it holds: a viewer sees no Save and its forged save is refused, an owner is named in the audit', async () => {
    const made = async (role: string) =>
      ((await (await relay.call('POST', '/api/v1/tokens', { name: `${role} in the popup`, role, expiresInDays: 1 })).json()) as { token: string }).token;
    const page = await chromium.openPopup();
    const connectAs = async (token: string, name: string) => {
      await press(page, '#tab-status');
      await press(page, 'section.connection button');
      await fill(page, 'adminToken', token);
      await press(page, '#connect');
      await page.waitForFunction((n: string) => document.querySelector('#acting-as')?.textContent?.includes(n), { timeout: 10_000 }, name);
    };
    await connectAs(await made('viewer'), 'viewer in the popup (viewer)');
    await press(page, '#tab-mail');
    await page.waitForSelector('#mail-form .read-only');
    expect(await page.$('#save')).toBeNull();
    await press(page, '#tab-alerts');
    expect(await page.$('#save-policy')).toBeNull();
    expect(await page.$('#send-test')).toBeNull();
    // What the popup hides, the relay refuses: the same message sent by hand.
    const forged = await sendFromPage(page, { type: 'policy/save', policy: { recipients: ['mallory@example.com'] } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'ROLE_TOO_LOW' } });
    expect(((await (await relay.call('GET', '/api/v1/alert-policy')).json()) as { recipients: string[] }).recipients).not.toContain('mallory@example.com');

    await connectAs(await made('owner'), 'owner in the popup (owner)');
    await press(page, '#tab-alerts');
    await fill(page, 'recipients', 'it@example.com\nsoc@example.com');
    await press(page, '#save-policy');
    await waitForText(page, 'Saved');
    await press(page, '#tab-status');
    await page.waitForFunction(() => document.querySelector('#audit')?.textContent?.includes('owner in the popup (owner)'), { timeout: 10_000 });
    await connectAs(relay.adminToken, 'admin token (owner)');
    await page.close();
  });
});
