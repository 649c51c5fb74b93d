import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { EXTENSION_ID } from '../../shared/extension';
import type { DeviceDetail, DevicesAnswer } from '../../shared/fleet';
import { UNSIGNED } from '../../relay/storage/fleet';
import { extensionPopulation, makeDevice, seeded } from '../../bench/simulator/fleet';
import { connectAsAdmin, fill, launchBrowser, press, type TestBrowser } from '../fixtures/browser';
import { serveTestRelay } from '../fixtures/relay';

/** A few thousand of the simulator's browsers (bench/simulator/fleet.ts), one in twenty made highly vulnerable. */
const DEVICES = 3_000;
const OPTIONS_URL = `chrome-extension://${EXTENSION_ID}/options.html`;
/** The devices with the simulator's risky extension (bench/simulator/fleet.ts RISKY_EXTENSION). */
const FILTER = 'check=risky-permissions&subject=Tab+Debugger';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;
const downloads = mkdtempSync(join(tmpdir(), 'guardmail-downloads-'));

beforeAll(async () => {
  // The fleet arrives at once, as after a restore: the admission guard lets all of it in.
  relay = await serveTestRelay({ deviceAdmission: { burst: DEVICES, perHour: DEVICES } });
  const random = seeded(33);
  const population = extensionPopulation(400, random);
  const policy = relay.deps.policy.get();
  const now = Date.now();
  await Promise.all(
    Array.from({ length: DEVICES }, (_, n) => {
      const device = makeDevice(n, population, random);
      if (n % 20 === 0) device.turnVulnerable();
      return relay.deps.fleet.submit(device.collect(), policy, now - (DEVICES - n) * 1_000, UNSIGNED);
    }),
  );
  chromium = await launchBrowser({ downloadPath: downloads });
  await connectAsAdmin(chromium, relay);
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await relay?.stop();
  rmSync(downloads, { recursive: true, force: true });
});

const api = async <T>(path: string) => (await (await relay.call('GET', path)).json()) as T;
const rowIds = (page: Page) => page.$$eval('#devices tr', (rows) => rows.map((r) => r.getAttribute('data-id')));

async function openConsole(search = ''): Promise<Page> {
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(`${OPTIONS_URL}${search}#fleet`);
  await page.waitForSelector('#devices tr', { timeout: 20_000 });
  return page;
}

it('filters the fleet by a finding, opens a device from the keyboard with its findings and remediation, and exports what it shows', async () => {
  const page = await openConsole();
  const all = await api<DevicesAnswer>('/api/v1/devices?limit=100');
  expect(await rowIds(page)).toEqual(all.devices.map((d) => d.id));
  expect(await page.$eval('#matching', (e) => e.textContent)).toBe(`Showing 100 of ${DEVICES.toLocaleString('en')}`);

  // Filtering by a finding, its check and what it is about: the list, its count and the page's address follow.
  await page.select('#filter-check', 'risky-permissions');
  await fill(page, 'filter-subject', 'Tab Debugger');
  await page.keyboard.press('Enter');
  const risky = await api<DevicesAnswer>(`/api/v1/devices?${FILTER}&limit=100`);
  await vi.waitFor(async () => expect(await rowIds(page)).toEqual(risky.devices.map((d) => d.id)), { timeout: 10_000 });
  expect(await api(`/api/v1/devices/counts?${FILTER}`)).toMatchObject({ matching: DEVICES / 20 });
  expect(await page.$eval('#matching', (e) => e.textContent)).toBe(`Showing 100 of ${DEVICES / 20}`);
  expect(new URL(page.url()).search).toBe(`?${FILTER}`);

  // The keyboard: the first row, one down, Enter opens it.
  await page.focus('#devices tr');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const chosen = risky.devices[1]!;
  await page.waitForFunction((label) => document.querySelector('#device-heading')?.textContent === `Device ${label}`, { timeout: 10_000 }, chosen.label);
  const detail = await api<DeviceDetail>(`/api/v1/devices/${chosen.id}`);
  const shown = await page.$eval('#device-findings', (e) => (e as HTMLElement).innerText);
  for (const f of detail.device.findings) {
    expect(shown).toContain(f.title.en);
    expect(shown).toContain(f.remediation.en);
  }
  expect(shown).toContain('Tab Debugger');
  expect(new URL(page.url()).searchParams.get('device')).toBe(chosen.id);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#device-heading', { hidden: true });
  // Back on the table's row, "/" goes to the search.
  await page.waitForFunction(() => document.activeElement?.tagName === 'TR');
  await page.keyboard.press('/');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter-q');

  // The CSV holds every device of the filter, in the API's order, not only the page shown.
  await press(page, '#export-csv');
  const file = join(downloads, 'guardmail-devices.csv');
  await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 20_000, interval: 100 });
  const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
  const listed: string[] = [];
  for (let next: string | null = ''; next !== null;) {
    const pageOf: DevicesAnswer = await api(`/api/v1/devices?${FILTER}&limit=50${next ? `&cursor=${next}` : ''}`);
    listed.push(...pageOf.devices.map((d) => d.id));
    next = pageOf.next;
  }
  expect(lines[0]).toBe('id,label,level,browser,version,os,findings,checks,first_seen,last_seen,stopped_reporting');
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(listed);
  expect(lines).toHaveLength(DEVICES / 20 + 1);

  // The table's next page follows on from the first, as the API's cursor does.
  await press(page, '#load-more');
  await vi.waitFor(async () => expect(await rowIds(page)).toEqual(listed), { timeout: 10_000 });
  expect(await page.$eval('#matching', (e) => e.textContent)).toBe(`${DEVICES / 20} devices match`);
  await page.close();
});

it('opens at the device and the alert an alert mail links to, saying which of its findings are still there', async () => {
  const [device] = (await api<DevicesAnswer>(`/api/v1/devices?${FILTER}&limit=1`)).devices;
  const { alerts } = await api<DeviceDetail>(`/api/v1/devices/${device!.id}`);
  // No mail server here: the alert waits in the outbox, and the console shows it all the same.
  expect(alerts).toEqual([expect.objectContaining({ state: 'pending', level: device!.level })]);
  const page = await openConsole(`?${FILTER}&level=${device!.level}&device=${device!.id}&alert=${alerts[0]!.id}`);
  await page.waitForFunction((label) => document.querySelector('#device-heading')?.textContent === `Device ${label}`, { timeout: 10_000 }, device!.label);
  const from = await page.waitForSelector('.from-alert', { timeout: 10_000 });
  const text = await from!.evaluate((e) => (e as HTMLElement).innerText);
  expect(text).toContain('You came here from this alert.');
  expect(text).toMatch(/Tab Debugger.* — still there/);
  expect(await page.$eval(`#level-${device!.level}`, (e) => (e as HTMLInputElement).checked)).toBe(true);
  expect(await page.$eval('#level-secure', (e) => (e as HTMLInputElement).checked)).toBe(false);
  expect(await page.$eval('#filter-subject', (e) => (e as HTMLInputElement).value)).toBe('Tab Debugger');
  await page.close();
});

it("opens a device of the popup's short list in the console", async () => {
  const popup = await chromium.openPopup();
  await press(popup, '#tab-fleet');
  const first = await popup.waitForSelector('ul.devices button.link', { visible: true, timeout: 10_000 });
  const id = await first!.evaluate((e) => e.getAttribute('data-id'));
  const opened = chromium.browser.waitForTarget((t) => t.url().startsWith(OPTIONS_URL), { timeout: 10_000 });
  await first!.evaluate((e) => (e as HTMLElement).click());
  const page = (await (await opened).page())!;
  expect(new URL(page.url()).searchParams.get('device')).toBe(id);
  await page.waitForSelector('#device-heading', { timeout: 10_000 });
  await page.close();
  if (!popup.isClosed()) await popup.close();
});
