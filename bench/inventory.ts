import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DEFAULT_POLICY } from '../shared/alert-policy';
import type { ExtensionFacts } from '../shared/report';
import { FleetStore } from '../relay/storage/fleet';
import { openDatabase } from '../relay/storage/sqlite/db';
import { SqliteSql } from '../relay/storage/sqlite/sql';
import { launchBrowser, writeExtensionPolicy } from '../test/fixtures/browser';
import { percentile } from '../test/fixtures/load';
import { serveAlertingRelay } from '../test/fixtures/relay';
import { extension, report as makeReport } from '../test/fixtures/reports';
import { median, report, ROOT } from './lib';

const RUNS = 3;
const SECONDS = 3;
const IN_FLIGHT = 50;
const DEVICES = 2_000;

/** A browser's twenty extensions, as a managed fleet has them: a few with host access, most with a permission or two. */
const EXTENSIONS: ExtensionFacts[] = Array.from({ length: 20 }, (_, i) =>
  extension({
    id: `ext${String(i).padStart(2, '0')}`.padEnd(32, 'abcdefghijklmnop'.charAt(i % 16)),
    name: `Extension ${i}`,
    version: `1.${i}.0`,
    installType: i % 4 ? 'normal' : 'admin',
    permissions: ['storage', ...(i % 3 ? ['tabs'] : ['cookies', 'scripting'])],
    hostPermissions: i % 5 ? [] : ['https://*.example.com/*'],
    updateUrl: 'https://clients2.google.com/service/update2/crx',
  }),
);

/** Reports stored per second over `DEVICES` devices, `IN_FLIGHT` waiting at any time; `change` says which report changes an extension. */
async function rate(inventory: boolean, change: (i: number) => boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'guardmail-bench-inventory-'));
  const db = openDatabase(dir);
  const fleet = new FleetStore(new SqliteSql(db), { inventory });
  const reportOf = (i: number) =>
    makeReport({
      deviceId: `device-${i % DEVICES}`,
      reportId: `report-${i}`,
      extensions: change(i) ? EXTENSIONS.map((e, j) => (j === 0 ? { ...e, version: `2.${i}`, permissions: [...e.permissions, 'history'] } : e)) : EXTENSIONS,
    });
  // Every device's first report, outside the measure: the fleet is known, as a relay's is after the first hour.
  for (let i = 0; i < DEVICES; i += IN_FLIGHT)
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, j) => fleet.submit(reportOf(i + j), DEFAULT_POLICY, Date.now())));
  let sent = DEVICES;
  const until = Date.now() + SECONDS * 1000;
  const start = sent;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < until) await fleet.submit(reportOf(sent++), DEFAULT_POLICY, Date.now());
    }),
  );
  await fleet.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return (sent - start) / SECONDS;
}

/**
 * Durable ingest at the SQLite store with the extension inventory and change detection on, against off, in the same
 * run: reports from known devices with twenty extensions each, all unchanged (the common case: a browser reports
 * hourly, its extensions update every few weeks), one in a hundred and one in ten changing an extension's version and
 * permissions (a fleet-wide update as it rolls out, and a stress well past it).
 */
export async function benchInventory(): Promise<void> {
  for (const [name, change] of [
    ['unchanged extensions', () => false],
    ['one report in a hundred changes one', (i: number) => i % 100 === 0],
    ['one report in ten changes one', (i: number) => i % 10 === 0],
  ] as const) {
    const on: number[] = [];
    const off: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      off.push(await rate(false, change));
      on.push(await rate(true, change));
    }
    report(`ingest with the inventory, ${name}`, median(on), 'reports/s', median(off), 'inventory off, same reports', '>= 0.9');
  }
}

/** Within the relay's per-device burst of 10 reports, with the ones the browser sends as it starts. */
const CHANGES = 6;
/** Each version adds one of these: a new permission every time, so every update is a change worth a mail. */
const ADDED = ['cookies', 'history', 'tabs', 'clipboardRead', 'downloads', 'webNavigation', 'bookmarks', 'topSites', 'geolocation'];

/**
 * An extension update in Chromium (the built extension enrolled by a policy file, a zero grouping window) to the change
 * alert's mail accepted by the mail server, median and p95 over CHANGES updates; against the same for a device's own
 * new finding (an extension enabled), as bench/change-alert.ts measures it, the baseline a change alert should match.
 */
export async function benchExtensionChange(): Promise<void> {
  execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension'], { cwd: ROOT, stdio: 'pipe' });
  const { relay, smtp } = await serveAlertingRelay();
  // The change alerts alone: the device's own verdict is kept below the threshold by allowing what each version adds.
  await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0, threshold: 'very_high' });
  const removePolicy = writeExtensionPolicy({ relayUrl: relay.url, enrollmentToken: relay.enrollmentToken, deviceLabel: 'Bench PC' });
  const dir = mkdtempSync(join(tmpdir(), 'guardmail-bench-notes-'));
  const write = (n: number) =>
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ manifest_version: 3, name: 'Bench Notes', version: String(n + 1), permissions: ['storage', ...ADDED.slice(0, n)] }),
    );
  write(0);
  const chromium = await launchBrowser({ extraExtensions: [dir] });
  const until = async (ok: () => boolean | Promise<boolean>) => {
    while (!(await ok())) await new Promise((r) => setTimeout(r, 20));
  };
  try {
    const listed = async () =>
      ((await (await relay.call('GET', '/api/v1/extensions')).json()) as { extensions: { name: string; versions: { version: string }[] }[] }).extensions;
    await until(async () => (await listed()).some((e) => e.name === 'Bench Notes'));
    // Updates that only add permissions alert at "high": the policy's threshold is set back so that they mail.
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    const times: number[] = [];
    for (let n = 1; n <= CHANGES; n++) {
      const before = smtp.received.length;
      write(n);
      const start = performance.now();
      await chromium.browser.installExtension(dir);
      await until(() => smtp.received.length > before);
      times.push((performance.now() - start) / 1000);
    }
    report('extension update → change alert accepted', median(times), 's median', percentile(times, 95), 'p95, same runs', '< 10 s');
  } finally {
    removePolicy();
    await chromium.close();
    await relay.stop();
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
