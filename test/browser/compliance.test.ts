import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { fill, launchBrowser, makeExtension, press, writeBrowserPolicy, writeExtensionPolicy, type TestBrowser } from '../fixtures/browser';
import { decoded } from '../fixtures/mail';
import { serveAlertingRelay, type serveTestRelay } from '../fixtures/relay';
import { SIGNATURE_HEADER } from '../../shared/report';
import type { DeviceDetail, DevicesAnswer } from '../../shared/fleet';
import type { SmtpPeer } from '../peers/smtp-peer';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;
let smtp: SmtpPeer;
let removePolicy: () => void = () => undefined;

beforeAll(async () => {
  ({ relay, smtp } = await serveAlertingRelay());
  removePolicy = writeExtensionPolicy({ relayUrl: relay.url, enrollmentToken: relay.enrollmentToken, deviceLabel: 'QA workstation 7' });
  chromium = await launchBrowser({ extraExtensions: [makeExtension('Risky Helper', ['debugger', 'nativeMessaging'])] });
});

afterAll(async () => {
  removePolicy();
  await chromium?.close();
  await Promise.all([relay?.stop(), smtp?.close()]);
});

it('reports a browser made highly vulnerable by a risky extension, and the alert mail names both', async () => {
  const deadline = Date.now() + 40_000;
  while (smtp.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(smtp.received).toHaveLength(1);
  const mail = decoded(smtp.received[0]!.raw);
  expect(mail).toContain('Subject: [Guardmail] 1 browser highly vulnerable');
  expect(mail).toContain('QA workstation 7');
  expect(mail).toMatch(/Browser: Chromium \d+\.\d+\.\d+\.\d+/);
  expect(mail).toContain('“Risky Helper” scores 90 for risk: debugger, nativeMessaging, development');
  expect(mail).toContain('“Risky Helper” is loaded in developer mode');

  const { devices } = (await (await relay.call('GET', '/api/v1/devices')).json()) as { devices: { id: string; label: string; level: string; os: string }[] };
  expect(devices).toMatchObject([{ label: 'QA workstation 7', level: 'high' }]);
  // The browser bound its device ID to the key it made (WebCrypto in IndexedDB): the relay now refuses it unsigned.
  expect(await relay.deps.fleet.deviceKey(devices[0]!.id)).toMatch(/^\{"kty":"EC","crv":"P-256","x":"[\w-]{43}","y":"[\w-]{43}"\}$/);
});

it('reports an extension disabled and enabled again within seconds, and the device falling back is alerted again', async () => {
  type Chrome = { chrome: { management: { getAll(): Promise<{ id: string; name: string }[]>; setEnabled(id: string, enabled: boolean): Promise<void> } } };
  const worker = await chromium.worker();
  const id = await worker.evaluate(async () => (await (globalThis as unknown as Chrome).chrome.management.getAll()).find((e) => e.name === 'Risky Helper')!.id);
  const level = async () => ((await (await relay.call('GET', '/api/v1/devices')).json()) as { devices: { level: string }[] }).devices[0]?.level;

  // Disabled: no longer highly vulnerable (still loaded in developer mode: low). Nothing waits for the hourly report.
  await worker.evaluate((x) => (globalThis as unknown as Chrome).chrome.management.setEnabled(x, false), id);
  await vi.waitFor(async () => expect(await level()).toBe('low'), { timeout: 15_000, interval: 200 });
  expect(smtp.received).toHaveLength(1);

  await (await chromium.worker()).evaluate((x) => (globalThis as unknown as Chrome).chrome.management.setEnabled(x, true), id);
  await vi.waitFor(() => expect(smtp.received).toHaveLength(2), { timeout: 15_000, interval: 100 });
  expect(decoded(smtp.received[1]!.raw)).toContain('“Risky Helper” scores 90 for risk: debugger, nativeMessaging, development');
});

it('reports Safe Browsing turned off within seconds, and its finding alerts at once though the device was just alerted', async () => {
  type Chrome = { chrome: { privacy: { services: { safeBrowsingEnabled: { set(details: { value: boolean }): Promise<void> } } } } };
  const before = smtp.received.length;
  // Set by this extension here; in the field a user or another extension does it, and the same onChange fires.
  await (await chromium.worker()).evaluate(() => (globalThis as unknown as Chrome).chrome.privacy.services.safeBrowsingEnabled.set({ value: false }));
  await vi.waitFor(() => expect(smtp.received).toHaveLength(before + 1), { timeout: 15_000, interval: 100 });
  const mail = decoded(smtp.received[before]!.raw);
  expect(mail).toContain('[New since the last alert] Safe Browsing is off');
  await (await chromium.worker()).evaluate(() => (globalThis as unknown as Chrome).chrome.privacy.services.safeBrowsingEnabled.set({ value: true }));
});

it("audits the browser's settings against the STIG once the policy picks it, and a policy fixing a setting answers its rule", async () => {
  type Chrome = { chrome: { privacy: { services: { searchSuggestEnabled: { set(details: { value: boolean }): Promise<void> } } } } };
  // Every finding is in the device's detail; a list carries the worst few.
  const titles = async () => {
    const [device] = ((await (await relay.call('GET', '/api/v1/devices')).json()) as DevicesAnswer).devices;
    if (!device) return [];
    return ((await (await relay.call('GET', `/api/v1/devices/${device.id}`)).json()) as DeviceDetail).device.findings.map((f) => f.title.en);
  };
  await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0, baselines: ['stig'] });

  // Any change reports; this one leaves search suggestions off but in the user's hands (an extension set it).
  await (await chromium.worker()).evaluate(() => (globalThis as unknown as Chrome).chrome.privacy.services.searchSuggestEnabled.set({ value: false }));
  await vi.waitFor(
    async () =>
      expect(await titles()).toEqual(
        expect.arrayContaining([
          'The browser offers to save passwords (DISA STIG DTBC-0011)',
          'The browser stores and fills in payment cards (DISA STIG DTBC-0070)',
          'Search suggestions are off, but the user can turn them on (DISA STIG DTBC-0027)',
        ]),
      ),
    { timeout: 15_000, interval: 200 },
  );

  // An admin's Chromium policy turns the password manager off and fixes it: the next report no longer breaks DTBC-0011.
  const removeBrowserPolicy = writeBrowserPolicy({ PasswordManagerEnabled: false });
  try {
    await vi.waitFor(async () => expect((await titles()).filter((t) => /password/i.test(t))).toEqual([]), { timeout: 20_000, interval: 200 });
    expect(await titles()).toContain('The browser stores and fills in payment cards (DISA STIG DTBC-0070)');
  } finally {
    removeBrowserPolicy();
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
  }
});

it('shows the relay\'s verdict in the popup\'s "This browser" panel', async () => {
  const popup = await chromium.openPopup();
  const panel = await popup.waitForSelector('#this-browser');
  await popup.waitForFunction(() => document.querySelector('#this-browser')?.textContent?.includes('Reports to'), { timeout: 10_000 });
  const text = await panel!.evaluate((e) => (e as HTMLElement).innerText);
  expect(text).toContain(`Reports to ${relay.url}`);
  expect(text).toContain('Highly vulnerable');
  expect(text).toContain('Remove “Risky Helper” unless it is needed');
});

it('shows an admin the reports refused for the device, and lets the admin forget it from the popup', async () => {
  const id = ((await (await relay.call('GET', '/api/v1/devices')).json()) as { devices: { id: string }[] }).devices[0]!.id;
  // Someone else's report for this browser's device, without its signature: refused, and shown on the device.
  const forged = await relay.call(
    'POST',
    '/api/v1/reports',
    JSON.stringify({
      reportId: 'forged-report-1',
      deviceId: id,
      collectedAt: new Date().toISOString(),
      browser: { name: 'Chrome', version: '131.0' },
      os: { platform: 'linux' },
      extensions: [],
      settings: [],
    }),
    { token: relay.enrollmentToken, headers: { [SIGNATURE_HEADER]: 'not-a-signature' } },
  );
  expect(forged.status).toBe(401);
  const popup = await chromium.openPopup();
  await fill(popup, 'relayUrl', relay.url);
  await fill(popup, 'adminToken', relay.adminToken);
  await press(popup, '#connect');
  await press(popup, '#tab-fleet');
  const device = await popup.waitForSelector('ul.devices button.link', { timeout: 20_000, visible: true });
  expect(await device!.evaluate((e) => e.getAttribute('data-id'))).toBe(id);
  await popup.waitForFunction(() => document.querySelector('ul.devices li')?.textContent?.includes('reports refused (unsigned)'), { timeout: 10_000 });

  await fill(popup, 'deviceId', 'device-nobody-knows');
  await press(popup, '#forget-device');
  await popup.waitForSelector('.error[data-code="DEVICE_NOT_FOUND"]');

  await fill(popup, 'deviceId', id);
  await press(popup, '#forget-device');
  await popup.waitForFunction(() => document.body.innerText.includes('No browser has reported yet.'), { timeout: 10_000 });
  const { devices } = (await (await relay.call('GET', '/api/v1/devices')).json()) as { devices: unknown[] };
  expect(devices).toEqual([]);
  const audit = (await (await relay.call('GET', '/api/v1/audit?limit=5')).json()) as { entries: { action: string }[] };
  expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['device.report-refused', 'device.forgotten']));

  await popup.close();
});
