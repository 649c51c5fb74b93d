import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessAnswer } from '../../shared/api';
import type { ApiErrorBody } from '../../shared/errors';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { extension, riskyReport } from '../fixtures/reports';
import { reportRequest } from '../fixtures/signing';

/** Per device, what a maximal report may store (its row and its alert), measured from the store below. */
const MAX_DEVICE_BYTES = 48 * 1024;
const MAX_ALERT_BYTES = 24 * 1024;
/** And its extension inventory: no more than its report held (REPORT_BODY_LIMIT_BYTES). */
const MAX_INVENTORY_BYTES = 512 * 1024;

/**
 * Attack 9: admission bounded how many new devices (about 27 a second), not how many bytes: a maximal report stored
 * about 536 KB per device (findings with long names, uncapped alert memory, uncapped "new" findings in its alert), so
 * the disk filled at about 52 GB an hour, and then every real report and alert was refused.
 */
describe('a store filled by invented devices, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    // A budget of 1 MB: a few dozen maximal devices reach it.
    relay = await startRelayWithTokens(['--store-budget-mb', '1']);
  });
  afterAll(() => relay?.stop());

  /** As large as a report gets: 500 extensions with 200-character names, each with risky permissions, in developer mode. */
  const maximal = (deviceId: string) =>
    riskyReport({
      deviceId,
      deviceLabel: 'L'.repeat(100),
      extensions: Array.from({ length: 500 }, (_, i) =>
        extension({
          id: `${i}`.padStart(32, 'a'),
          name: `${i} `.padEnd(200, 'n'),
          version: '9'.repeat(50),
          installType: 'development',
          permissions: ['debugger', 'proxy', 'nativeMessaging', 'webRequest', 'cookies'],
        }),
      ),
    });
  const post = (deviceId: string) => fetch(`${relay.url}/api/v1/reports`, reportRequest(maximal(deviceId), relay.enrollment));
  const readiness = async () => (await (await fetch(`${relay.url}/readyz`, { headers: { Authorization: `Bearer ${relay.admin}` } })).json()) as ReadinessAnswer;

  it('stores a bounded number of bytes per device, however large its report', async () => {
    expect((await post('device-maximal')).status).toBe(202);
    const db = new Database(join(relay.dataDir, 'guardmail.sqlite'), { readonly: true });
    try {
      const row = db
        .prepare(
          'SELECT length(label) + length(browser) + length(version) + length(os) + length(findings) + coalesce(length(alerted), 0) + coalesce(length(public_key), 0) + coalesce(length(last_refusal), 0) AS n FROM devices WHERE id = ?',
        )
        .get('device-maximal') as { n: number };
      const alert = db.prepare('SELECT length(payload) AS n FROM outbox WHERE device_id = ?').get('device-maximal') as { n: number };
      expect(row.n).toBeLessThan(MAX_DEVICE_BYTES);
      expect(alert.n).toBeLessThan(MAX_ALERT_BYTES);
      // Its extension inventory: what its report said of each extension, once, and a link per extension.
      const inventory = db
        .prepare(
          `SELECT (SELECT sum(length(version_key) + length(extension_id) + length(name) + length(version) + length(permissions) + length(host_permissions) + coalesce(length(update_url), 0) + 8) FROM extension_versions)
                + (SELECT sum(length(device_id) + length(extension_id) + length(version_key) + length(install_type) + 24) FROM device_extensions WHERE device_id = ?) AS n`,
        )
        .get('device-maximal') as { n: number };
      expect(inventory.n).toBeLessThan(MAX_INVENTORY_BYTES);
    } finally {
      db.close();
    }
  });

  it('refuses new devices once the store reaches its budget, with a coded error and a readiness warning, and keeps known ones reporting', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await post(`device-filler-${i}`);
      if (res.status === 507) refused = res;
      else expect(res.status).toBe(202);
      // Readiness measures the store (at most every 5 s); admission reads what was measured last.
      if (i % 10 === 9) {
        await readiness();
        await new Promise((r) => setTimeout(r, 5_000));
      }
    }
    expect(refused, 'no new device was refused').toBeDefined();
    expect(((await refused!.json()) as ApiErrorBody).error.code).toBe('STORE_BUDGET_REACHED');
    const check = (await readiness()).checks.find((c) => c.name === 'store-budget');
    expect(check).toMatchObject({ ok: false, critical: false });
    expect(check!.detail).toMatch(/^new devices refused: store \d+ MB of a 1 MB budget/);
    // A known device still reports and is judged.
    expect((await post('device-maximal')).status).toBe(202);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/guardmail_store_bytes \d+/);
    expect(metrics).toMatch(/guardmail_reports_refused_total\{status="507"\} 1/);
    expect(relay.stdout()).toContain('the store reached its budget: new devices are refused');
  }, 120_000);
});
