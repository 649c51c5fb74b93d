import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runLoad, rssMb } from '../fixtures/load';
import { startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { report, riskyReport } from '../fixtures/reports';
import { signedReport } from '../fixtures/signing';
import { generateToken } from '../../relay/storage/access-tokens';

const ENROLLMENT = generateToken('enrollment');
/** 100,000 browsers reporting hourly is 28 reports a second; the test sends 20 times that. */
const RATE = Math.ceil((100_000 / 3600) * 20);
const DURATION_MS = 8_000;

let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.stop();
});

it(`takes ${RATE} reports a second with flat memory, refusing none but a chatty device's`, async () => {
  relay = await startRelayProcess(['--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-load-'))], {
    GUARDMAIL_ADMIN_TOKEN: generateToken('admin'),
    GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT,
    GUARDMAIL_LOG_LEVEL: 'warn',
    // Every request here invents a device: this measures throughput, not the admission of new devices.
    GUARDMAIL_NEW_DEVICES_PER_HOUR: '1000000000',
  });
  const pid = relay.child.pid!;
  // Requests made and signed once, more than the run sends: the load generator must not be what limits the rate. One
  // device in a hundred requests is the same one: only it may hit the rate limit.
  const device = (i: number) => (i % 100 === 0 ? 'device-chatty' : `device-${i}`);
  const requests = Array.from({ length: Math.ceil(RATE * (DURATION_MS / 1000) * 1.3) }, (_, i) => {
    const signed = signedReport((i % 10 === 0 ? riskyReport : report)({ deviceId: device(i), reportId: `load-${i}-report` }));
    return {
      method: 'POST' as const,
      path: '/api/v1/reports',
      headers: { Authorization: `Bearer ${ENROLLMENT}`, 'Content-Type': 'application/json', ...signed.headers },
      body: signed.body,
    };
  });
  const samples: number[] = [];
  let chatty = 0;
  const result = await runLoad({
    url: relay.url,
    connections: 50,
    rate: RATE,
    durationMs: DURATION_MS,
    request: (i) => {
      if (device(i) === 'device-chatty') chatty++;
      return requests[i]!;
    },
    onTick: () => samples.push(rssMb(pid)),
  });

  expect(result.sent).toBeGreaterThan(RATE * (DURATION_MS / 1000) * 0.9);
  expect([...result.statuses.keys()].sort()).toEqual([202, 429]);
  expect(result.statuses.get(429)).toBeLessThanOrEqual(chatty - 10); // the chatty device had its burst of 10
  // Flat: over the second half of the run, resident memory grows by less than a quarter. The first half warms up: V8
  // compiles the signature checks, and SQLite's page cache fills as every request adds a device (seen here: 112 MB at
  // the start, 148 MB at half time, then 140-148 MB).
  const warm = samples.slice(Math.floor(samples.length / 2));
  expect(Math.max(...warm)).toBeLessThan(warm[0]! * 1.25);
}, 60_000);
