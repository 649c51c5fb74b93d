import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ExtensionsAnswer } from '../../shared/inventory';
import { fill, launchBrowser, press, writeExtensionPolicy, type TestBrowser } from '../fixtures/browser';
import { decoded } from '../fixtures/mail';
import { serveAlertingRelay, type serveTestRelay } from '../fixtures/relay';
import type { SmtpPeer } from '../peers/smtp-peer';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;
let smtp: SmtpPeer;
let removePolicy: () => void = () => undefined;
/** The unpacked extension the test updates, as a publisher's update would. */
const notesDir = mkdtempSync(join(tmpdir(), 'guardmail-notes-'));

function writeNotes(version: string, permissions: string[], hostPermissions: string[] = []): void {
  const manifest = {
    manifest_version: 3,
    name: 'Team Notes',
    version,
    permissions,
    host_permissions: hostPermissions,
  };
  writeFileSync(join(notesDir, 'manifest.json'), JSON.stringify(manifest));
}

beforeAll(async () => {
  ({ relay, smtp } = await serveAlertingRelay());
  removePolicy = writeExtensionPolicy({ relayUrl: relay.url, enrollmentToken: relay.enrollmentToken, deviceLabel: 'QA workstation 9' });
  writeNotes('1', ['storage']);
  chromium = await launchBrowser({ extraExtensions: [notesDir] });
});

afterAll(async () => {
  removePolicy();
  await chromium?.close();
  await Promise.all([relay?.stop(), smtp?.close()]);
  rmSync(notesDir, { recursive: true, force: true });
});

const inventory = async () => (await (await relay.call('GET', '/api/v1/extensions')).json()) as ExtensionsAnswer;

it('mails an update that adds cookies, scripting and every site, naming 1 → 2 and what it added, and the Extensions tab shows it', async () => {
  // The extension's id, as the browser reported it: the unpacked directory's, which Chromium derives from its path.
  let id = '';
  await vi.waitFor(
    async () => {
      const notes = (await inventory()).extensions.find((e) => e.name === 'Team Notes');
      expect(notes?.versions[0]?.version).toBe('1');
      id = notes!.id;
    },
    // The managed policy reaches the extension some seconds after start, more under load (docs/development.md).
    { timeout: 60_000, interval: 200 },
  );
  expect(smtp.received).toHaveLength(0); // developer mode is low risk: below the threshold

  // The publisher ships version 2, and the browser installs it over version 1 (the same directory, so the same id).
  writeNotes('2', ['storage', 'cookies', 'scripting'], ['<all_urls>']);
  expect(await chromium.browser.installExtension(notesDir)).toBe(id);

  await vi.waitFor(() => expect(smtp.received.length).toBeGreaterThan(0), { timeout: 30_000, interval: 200 });
  const mail = decoded(smtp.received.map((m) => m.raw).join('\n'));
  expect(mail).toContain(`“Team Notes” (${id}): version 1 → 2`);
  expect(mail).toContain('Added: cookies, scripting, <all_urls>');
  expect(mail).toContain('On 1 browser: “QA workstation 9”');
  expect(mail).toContain('Installed as: development (1)');

  const popup = await chromium.openPopup();
  await fill(popup, 'relayUrl', relay.url);
  await fill(popup, 'adminToken', relay.adminToken);
  await press(popup, '#connect');
  await press(popup, '#tab-extensions');
  await popup.waitForFunction((x) => document.getElementById(`extension-${x}`)?.textContent?.includes('1 → 2'), { timeout: 20_000 }, id);
  const item = await popup.$eval(`#extension-${id}`, (e) => (e as HTMLElement).innerText);
  expect(item).toContain('+cookies +scripting +<all_urls>');
  expect(item).toMatch(/Risk \d+/);
  expect(item).toContain('every site (<all_urls>)');
  // Blocking what it added writes the policy snippet, and fits the popup's width.
  await press(popup, `#extension-${id} .actions button:last-child`);
  const snippet = await popup.$eval(`#extension-${id} pre.snippet`, (e) => e.textContent ?? '');
  expect(JSON.parse(snippet)).toEqual({ ExtensionSettings: { [id]: { blocked_permissions: ['cookies', 'scripting'], runtime_blocked_hosts: ['*://*'] } } });
  expect(await popup.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
  await popup.close();
}, 120_000);
