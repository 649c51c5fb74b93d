import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeploymentAnswer } from '../../shared/api';
import type { DevicesAnswer } from '../../shared/fleet';
import { EXTENSION_DIR, fill, press } from '../fixtures/browser';
import { FIREFOX_BUILD_DIR, launchFirefox, makeFirefoxAddon, writeFirefoxPolicy, type TestFirefox } from '../fixtures/firefox';
import { decoded } from '../fixtures/mail';
import { basicSettings, SMTP_PASSWORD, SMTP_USER } from '../fixtures/relay';
import { startRelayWithTokens, type RelayProcess } from '../fixtures/relay-process';
import { testPki } from '../fixtures/tls';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';
import { startMicrosoft365 } from '../peers/microsoft-365';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';

const CLIENT_SECRET = 'firefox-e2e-client-secret';
/** Debian's firefox-esr says "Mozilla Firefox 153.8.0esr"; the report carries the version without the channel. */
const ESR_VERSION = /([\d.]+)esr/.exec(execFileSync('/usr/bin/firefox-esr', ['--version'], { encoding: 'utf8' }))![1]!;

let relay: RelayProcess & { admin: string; enrollment: string };
let firefox: TestFirefox;
let deployment: DeploymentAnswer;
let alerts: SmtpPeer;
let oauthSmtp: SmtpPeer;
let as: AuthorizationServer;
let buildDir: string;
let scratch: string;
let removePolicy: () => void = () => undefined;

/** The relay serves over TLS with the test CA, as a fleet's relay serves https: Firefox requires it of an update URL. */
const trustingTestCa = new Agent({ connect: { ca: testPki().caCert } });
const adminResponse = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => {
  const res = await fetch(`${relay.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${relay.admin}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    dispatcher: trustingTestCa,
  } as RequestInit);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
};
const admin = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => (await adminResponse(path, init)).json() as Promise<T>;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'guardmail-firefox-test-'));
  // A copy of the Firefox build, so the update test can publish a newer version without touching the shared one.
  buildDir = join(scratch, 'firefox-mv3');
  cpSync(FIREFOX_BUILD_DIR, buildDir, { recursive: true });
  const pki = testPki();
  writeFileSync(join(scratch, 'cert.pem'), pki.server.cert);
  writeFileSync(join(scratch, 'key.pem'), pki.server.key);
  [relay, alerts] = await Promise.all([
    startRelayWithTokens([
      ...['--tls-cert', join(scratch, 'cert.pem'), '--tls-key', join(scratch, 'key.pem')],
      ...['--extension-build-dir', EXTENSION_DIR, '--firefox-build-dir', buildDir],
    ]),
    startMta({ tls: 'implicit', users: { [SMTP_USER]: SMTP_PASSWORD } }),
  ]);
  deployment = await admin<DeploymentAnswer>('/api/v1/deployment');
  as = await startAuthorizationServer({
    flavour: 'microsoft',
    clients: { 'e2e-client': { secret: CLIENT_SECRET, redirectUris: [deployment.firefox.redirectUrl], authMethod: 'client_secret_basic' } },
  });
  oauthSmtp = await startMicrosoft365({ verifyToken: as.verifyToken });
  await admin('/api/v1/mail-settings', {
    method: 'PUT',
    body: basicSettings({ port: alerts.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }),
  });
  await admin('/api/v1/alert-policy', { method: 'PUT', body: { recipients: ['it@example.com'], groupingWindowSeconds: 0 } });

  // What an admin does on a Linux fleet: the relay's Firefox policy as the system's policies.json, nothing else.
  const policy = await adminResponse('/api/v1/deployment/policy?platform=linux&browser=firefox');
  expect(policy.headers.get('content-disposition')).toBe('attachment; filename="policies.json"');
  removePolicy = writeFirefoxPolicy(await policy.text());
  firefox = await launchFirefox(deployment.firefox.extensionId, pki.caCert);
}, 120_000);

afterAll(async () => {
  removePolicy();
  await firefox?.close();
  await Promise.all([relay?.stop(), alerts?.close(), oauthSmtp?.close(), as?.close()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const devices = () => admin<DevicesAnswer>('/api/v1/devices').then((a) => a.devices);

/** The installed add-on's version, read by one of its own pages (a page open before an update goes with the old add-on). */
async function installedVersion(): Promise<string | null> {
  const page = await firefox.openExtensionPage('popup.html').catch(() => null);
  if (!page) return null;
  try {
    return await page.evaluate(
      () => (globalThis as unknown as { browser: { runtime: { getManifest(): { version: string } } } }).browser.runtime.getManifest().version,
    );
  } finally {
    await page.close();
  }
}

describe('Firefox ESR with only the relay’s policy', () => {
  it('installs the add-on from the relay, enrols from the policy’s managed storage, and reports as Firefox with its exact ESR version', async () => {
    expect(deployment.firefox.extensionId).toBe(`guardmail-${deployment.extensionId}@guardmail.invalid`);
    expect(deployment.firefox.installUrl).toBe(`${relay.url}/extension/guardmail.xpi`);
    await vi.waitFor(async () => expect(await devices()).toMatchObject([{ browser: 'Firefox', version: ESR_VERSION }]), { timeout: 60_000, interval: 1_000 });
  }, 90_000);

  it('reports an add-on with risky permissions the moment it is installed, and the alert mail goes out', async () => {
    const before = alerts.received.length;
    await firefox.browser.installExtension(makeFirefoxAddon('Risky Helper', ['nativeMessaging', 'cookies'], ['<all_urls>']));
    await vi.waitFor(() => expect(alerts.received.length).toBeGreaterThan(before), { timeout: 30_000, interval: 250 });
    const mail = decoded(alerts.received[before]!.raw);
    expect(mail).toContain('“Risky Helper” scores');
    expect(mail).toContain('nativeMessaging');
  }, 60_000);

  describe('the admin popup', () => {
    let popup: Page;

    /** On oidc-provider's own pages, in the window launchWebAuthFlow opened: signs in, then approves. */
    async function signInAndApprove(page: Page): Promise<void> {
      for (let step = 0; step < 2; step++) {
        await page.waitForSelector('button[type=submit]', { timeout: 20_000 });
        if (await page.$('input[name=password]')) await page.type('input[name=password]', 'the admin types the password');
        await Promise.all([page.waitForNavigation({ timeout: 20_000 }).catch(() => undefined), page.click('button[type=submit]')]);
        if (page.isClosed() || !page.url().startsWith(new URL(as.authorizationUrl).origin)) return;
      }
    }

    it('shows Firefox’s own redirect URL and connects the mailbox through oidc-provider’s pages; the test mail goes over XOAUTH2', async () => {
      popup = await firefox.openExtensionPage('popup.html');
      await fill(popup, 'relayUrl', relay.url);
      await fill(popup, 'adminToken', relay.admin);
      await press(popup, '#connect');
      await popup.waitForSelector('#connected-to', { timeout: 20_000 });

      await press(popup, '#tab-mail');
      await popup.select('#authType', 'oauth');
      await popup.select('#provider', 'custom');
      await fill(popup, 'host', '127.0.0.1');
      await fill(popup, 'port', String(oauthSmtp.port));
      await press(popup, '#emailType-smtp');
      await fill(popup, 'senderAddress', 'alerts@example.com');
      await fill(popup, 'clientId', 'e2e-client');
      await fill(popup, 'clientSecret', CLIENT_SECRET);
      await fill(popup, 'authorizationUrl', as.authorizationUrl);
      await fill(popup, 'tokenUrl', as.tokenUrl);
      await fill(popup, 'scope', as.mailScope);
      expect(await popup.$eval('#redirect-url', (e) => (e as HTMLInputElement).value)).toBe(deployment.firefox.redirectUrl);

      const consent = firefox.browser.waitForTarget((t) => t.url().startsWith(new URL(as.authorizationUrl).origin), { timeout: 20_000 });
      await press(popup, '#save');
      await signInAndApprove((await (await consent).asPage())!);
      await popup.waitForFunction(() => document.body.innerText.includes('Connected as alerts@example.com'), { timeout: 30_000 });

      await press(popup, '#tab-status');
      await press(popup, '#send-test');
      await popup.waitForSelector('#test-result', { timeout: 20_000 });
      expect(oauthSmtp.received).toHaveLength(1);
      expect(oauthSmtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: 'alerts@example.com', secure: true, accepted: true }]);
      await popup.close();
    }, 90_000);
  });

  it('updates itself to a newer version the relay serves, through updates.json', async () => {
    expect(await installedVersion()).toBe('0.1.0');
    const manifestFile = join(buildDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string };
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, version: '0.1.1' }));
    const updates = await admin<{ addons: Record<string, { updates: { version: string; update_link: string; update_hash: string }[] }> }>(
      '/extension/updates.json',
    );
    expect(updates.addons[deployment.firefox.extensionId]!.updates).toEqual([
      { version: '0.1.1', update_link: `${relay.url}/extension/guardmail-0.1.1.xpi`, update_hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    ]);
    await vi.waitFor(async () => expect(await installedVersion()).toBe('0.1.1'), { timeout: 60_000, interval: 2_000 });
  }, 90_000);
});
