import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { DeploymentAnswer } from '../../shared/api';
import { EXTENSION_DIR, writeBrowserPolicy } from '../fixtures/browser';
import { startRelayWithTokens, type RelayProcess } from '../fixtures/relay-process';

let relay: RelayProcess & { admin: string; enrollment: string };
let browser: Browser;
let buildDir: string;
let userDataDir: string;
let deployment: DeploymentAnswer;
let removePolicy: () => void = () => undefined;

/**
 * Chromium on a profile of the test's own, with no extension flags: the extension comes from policy alone. Background
 * networking is what fetches it, so Puppeteer's default flag against it is left out.
 */
const launch = () =>
  puppeteer.launch({
    headless: true,
    pipe: true,
    userDataDir,
    enableExtensions: true,
    ignoreDefaultArgs: ['--disable-background-networking'],
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });

const admin = (path: string) => fetch(`${relay.url}${path}`, { headers: { Authorization: `Bearer ${relay.admin}` } });
const manifestFile = () => join(buildDir, 'manifest.json');

beforeAll(async () => {
  // The relay signs a copy of the build, so the second test can publish a newer version without touching the shared one.
  buildDir = mkdtempSync(join(tmpdir(), 'guardmail-build-'));
  cpSync(EXTENSION_DIR, buildDir, { recursive: true });
  relay = await startRelayWithTokens(['--extension-build-dir', buildDir]);
  deployment = (await (await admin('/api/v1/deployment')).json()) as DeploymentAnswer;

  // What an admin does on a Linux fleet: the relay's policy file into the browser's managed policy folder.
  const policy = await admin('/api/v1/deployment/policy?platform=linux');
  expect(policy.headers.get('content-disposition')).toBe('attachment; filename="guardmail.json"');
  removePolicy = writeBrowserPolicy((await policy.json()) as Record<string, unknown>);

  userDataDir = mkdtempSync(join(tmpdir(), 'guardmail-chromium-'));
  browser = await launch();
}, 90_000);

afterAll(async () => {
  removePolicy();
  await browser?.close();
  await relay?.stop();
  for (const dir of [buildDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The installed extension's version, from chrome://extensions-internals (Chromium's JSON dump of its extensions): a
 * policy-installed extension's own pages cannot be opened by automation, and its service worker may be asleep.
 */
async function extensionVersion(): Promise<string | null> {
  const page = await browser.newPage();
  try {
    await page.goto('chrome://extensions-internals');
    const installed = JSON.parse(await page.evaluate(() => document.body.innerText)) as { id: string; version: string }[];
    return installed.find((e) => e.id === deployment.extensionId)?.version ?? null;
  } finally {
    await page.close();
  }
}

it("installs the extension from the relay by policy alone, with the ID of the relay's key, and its first report arrives", async () => {
  expect(deployment.extensionId).toMatch(/^[a-p]{32}$/);
  expect(deployment.redirectUrl).toBe(`https://${deployment.extensionId}.chromiumapp.org/`);
  await vi.waitFor(async () => expect(await extensionVersion()).toBe('0.1.0'), { timeout: 60_000, interval: 1_000 });
  // Enrolled from the managed storage in the same policy file, signed with its new device key.
  await vi.waitFor(
    async () => {
      const { devices } = (await (await admin('/api/v1/devices')).json()) as { devices: { browser: string }[] };
      expect(devices).toMatchObject([{ browser: 'Chromium' }]);
    },
    { timeout: 30_000, interval: 500 },
  );
}, 90_000);

it('updates the browser to a newer version the relay serves', async () => {
  const manifest = JSON.parse(readFileSync(manifestFile(), 'utf8')) as { version: string };
  writeFileSync(manifestFile(), JSON.stringify({ ...manifest, version: '0.1.1' }));
  const updates = await (await fetch(`${relay.url}/extension/updates.xml`)).text();
  expect(updates).toContain(`<app appid='${deployment.extensionId}'>`);
  expect(updates).toContain(`codebase='${relay.url}/extension/guardmail-0.1.1.crx' version='0.1.1'`);
  // Chromium looks for updates every few hours (--extensions-update-frequency no longer shortens that: Chromium 156 made
  // no check in 118 s with it set to 30). The extension asks for the update itself once a report's answer names a
  // newer version. Its next report is due in an hour; a setting changed by policy makes one at once.
  const removeSetting = writeBrowserPolicy({ SearchSuggestEnabled: false });
  try {
    await vi.waitFor(async () => expect(await extensionVersion()).toBe('0.1.1'), { timeout: 60_000, interval: 1_000 });
  } finally {
    removeSetting();
  }
}, 90_000);
