import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AlertsAnswer } from '../../shared/fleet';
import { decoded } from '../fixtures/mail';
import { basicSettings } from '../fixtures/relay';
import { callRelay, startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { riskyReport } from '../fixtures/reports';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';
import { generateToken } from '../../relay/storage/access-tokens';

const ADMIN = generateToken('admin');
const ENROLLMENT = generateToken('enrollment');
const DEVICES = Array.from({ length: 200 }, (_, i) => `device-${String(i).padStart(4, '0')}`);

let relay: RelayProcess | undefined;
let smtp: SmtpPeer | undefined;
afterEach(async () => {
  await relay?.stop();
  await smtp?.close();
});

const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  callRelay(relay!.url, path, { ...init, token: init.token ?? ADMIN });

async function until(condition: () => boolean | Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('loses no alert when killed with SIGKILL in the middle of delivering 200, and repeats only what was in flight', async () => {
  smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': 'pw-123456' }, dataDelayMs: 40 });
  const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-crash-'));
  const env = { GUARDMAIL_ADMIN_TOKEN: ADMIN, GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT, GUARDMAIL_LOG_LEVEL: 'warn' };
  relay = await startRelayProcess(['--port', '0', '--data-dir', dataDir], env);
  expect(
    (
      await api('/api/v1/mail-settings', {
        method: 'PUT',
        body: basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: 'pw-123456', caCertificate: testPki().caCert }),
      })
    ).status,
  ).toBe(200);
  expect((await api('/api/v1/alert-policy', { method: 'PUT', body: { recipients: ['it@example.com'], groupingWindowSeconds: 0 } })).status).toBe(200);

  for (const deviceId of DEVICES) {
    const res = await api('/api/v1/reports', { method: 'POST', body: riskyReport({ deviceId }), token: ENROLLMENT });
    expect(res.status).toBe(202);
  }
  await until(() => smtp!.received.length >= 2, 20_000);
  relay.child.kill('SIGKILL');
  await relay.stop();
  const deliveredBeforeKill = smtp.received.length;

  relay = await startRelayProcess(['--port', '0', '--data-dir', dataDir], env);
  const states = async () => ((await (await api('/api/v1/alerts?limit=1000')).json()) as AlertsAnswer).alerts;
  await until(async () => (await states()).every((a) => a.state === 'sent'), 30_000);

  // None lost: every alert was sent, after the restart for those the kill interrupted.
  expect(await states()).toHaveLength(200);
  expect(smtp.received.length).toBeGreaterThan(deliveredBeforeKill);
  // Only the batch in flight at the kill may go out twice, under the same Message-ID.
  const ids = smtp.received.map((m) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]);
  expect(ids.every(Boolean)).toBe(true);
  const repeated = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
  expect(repeated.size).toBeLessThanOrEqual(1);
  expect(ids.length - new Set(ids).size).toBeLessThanOrEqual(1);
  // A mail names its worst 50 devices and counts the rest: every device is in one.
  const named = DEVICES.filter((d) => smtp!.received.some((m) => decoded(m.raw).includes(`; ${d})`))).length;
  const counted = smtp.received.reduce((n, m) => n + Number(/And (\d+) more browsers?/.exec(decoded(m.raw))?.[1] ?? 0), 0);
  expect(named + counted).toBeGreaterThanOrEqual(DEVICES.length);
}, 90_000);
