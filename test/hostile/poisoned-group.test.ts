import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DevicesAnswer } from '../../shared/fleet';
import { startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { createTestRelay, type TestRelay } from '../fixtures/relay';
import { report } from '../fixtures/reports';
import { generateToken } from '../../relay/storage/access-tokens';
import { reportRequest } from '../fixtures/signing';

const ADMIN = generateToken('admin');
const ENROLLMENT = generateToken('enrollment');
const OBJECT_KEYS = ['constructor', '__proto__', 'valueOf', 'hasOwnProperty', 'toString', 'isPrototypeOf'];

/**
 * Attack 1 of the enrollment-token threat model: one report, written to throw inside the group commit, made every
 * report sharing its transaction answer 500, and the log held a stack trace per report.
 */
describe('one hostile report among good ones, against the relay as a process', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    const env = { GUARDMAIL_ADMIN_TOKEN: ADMIN, GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT, GUARDMAIL_LOG_LEVEL: 'info' };
    relay = await startRelayProcess(['--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-hostile-'))], env);
    const policy = await fetch(`${relay.url}/api/v1/alert-policy`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipients: [], minimumVersions: { Chrome: '130' } }),
    });
    expect(policy.status).toBe(200);
  });
  afterAll(() => relay?.stop());

  const post = (body: unknown) => fetch(`${relay.url}/api/v1/reports`, reportRequest(body, ENROLLMENT));

  it('answers every good report 202 and stores it, whatever the hostile ones in its group say', async () => {
    const good = Array.from({ length: 30 }, (_, i) => report({ deviceId: `device-good-${i}` }));
    const hostile = [
      ...OBJECT_KEYS.map((name, i) => report({ deviceId: `device-evil-${i}`, browser: { name, version: '131.0' } })),
      report({ deviceId: 'device-evil-big', browser: { name: 'Chrome', version: '131.12345678901234567890' } }),
      report({ deviceId: 'device-evil-major', browser: { name: 'Chrome', version: '99999' } }),
    ];
    const answers = await Promise.all([...good, ...hostile].map((r) => post(r)));
    expect(answers.slice(0, 30).map((a) => a.status)).toEqual(Array(30).fill(202));
    // Browser names that are Object.prototype's keys are just names; absurd versions are refused at validation.
    expect(answers.slice(30).map((a) => a.status)).toEqual([...OBJECT_KEYS.map(() => 202), 400, 400]);

    const devices = (await (await fetch(`${relay.url}/api/v1/devices?limit=100`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as DevicesAnswer;
    expect(devices.devices.filter((d) => d.id.startsWith('device-good-'))).toHaveLength(30);
    expect(relay.stdout() + relay.stderr()).not.toMatch(/\n\s+at /);
  });
});

/** The property behind attack 1: however hostile the schema-valid reports beside them, good reports are stored. */
describe('schema-valid hostile reports interleaved with good ones', () => {
  let relay: TestRelay;
  afterEach(() => relay?.close());

  const text = (max: number) =>
    fc.oneof(
      fc.constantFrom(...OBJECT_KEYS, '', ' ', '\u2028', '\r\nBcc: x@evil.example', '\u0000', '%s%n', '${x}', '🙂'.repeat(10)),
      fc.string({ maxLength: max, unit: 'binary' }),
    );
  const hostileReport = fc.record({
    browser: fc.record({ name: text(50).filter((s) => s.length > 0), version: fc.stringMatching(/^\d{1,3}(\.\d{1,6}){0,3}$/) }),
    os: fc.record({ platform: text(50), version: text(50) }),
    deviceLabel: text(100),
    extensions: fc.array(
      fc.record({
        id: text(128).filter((s) => s.length > 0),
        name: text(200),
        version: text(50),
        enabled: fc.boolean(),
        installType: fc.constantFrom('admin', 'development', 'normal', 'sideload', 'other'),
        permissions: fc.array(text(200), { maxLength: 5 }),
        hostPermissions: fc.array(text(500), { maxLength: 5 }),
      }),
      { maxLength: 5 },
    ),
    settings: fc.array(
      fc.record({
        name: fc.stringMatching(/^[\w.]{1,100}$/),
        value: fc.oneof(fc.boolean(), fc.string({ maxLength: 20 }), fc.double(), fc.constant(null)),
        locked: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
  });

  it('answers every good report 202 and stores it', async () => {
    relay = await createTestRelay();
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: [], minimumVersions: { Chrome: '130', constructor: '1' } });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileReport, { minLength: 1, maxLength: 6 }), async (hostile) => {
        round++;
        const good = Array.from({ length: 5 }, (_, i) => report({ deviceId: `device-good-${round}-${i}` }));
        const bodies = [...good, ...hostile.map((h, i) => ({ ...report({ deviceId: `device-evil-${round}-${i}` }), ...h }))];
        const answers = await Promise.all(bodies.map((b) => relay.call('POST', '/api/v1/reports', b, { token: relay.enrollmentToken })));
        expect(answers.slice(0, 5).map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
        for (const a of answers.slice(5)) expect(a.status).toBeLessThan(500);
        const stored = (await (await relay.call('GET', `/api/v1/devices?limit=500`)).json()) as DevicesAnswer;
        expect(stored.devices.filter((d) => d.id.startsWith(`device-good-${round}-`))).toHaveLength(5);
      }),
      { numRuns: 60 },
    );
    expect(relay.logs.join('\n')).not.toMatch(/"level":50/);
  });
});
