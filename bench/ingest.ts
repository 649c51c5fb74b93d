import { sign, type KeyObject } from 'node:crypto';
import { Pool } from 'undici';
import { newSigner } from '../test/fixtures/signing';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, rssMb, runLoad } from '../test/fixtures/load';
import { report as makeReport } from '../test/fixtures/reports';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, type DeviceKey } from '../shared/report';
import { buildRelay, median, report, spawnServer } from './lib';
import { generateToken } from '../relay/storage/access-tokens';
import { checkReportSignature } from '../relay/domain/report-signature';

const ENROLLMENT = generateToken('enrollment');
const RUNS = 3;
const SECONDS = 5;

const bodies = Array.from({ length: 100 }, () => JSON.stringify(makeReport()));
const HEADERS: Record<string, string> = { Authorization: `Bearer ${ENROLLMENT}`, 'Content-Type': 'application/json' };
/** Keys the benched devices sign with: a device is bound to the key of its first report, and keys may repeat across devices. */
let keys: { privateKey: KeyObject; deviceKey: DeviceKey }[] | null = null;

/**
 * Report i as the extension sends it: from device bench-device-i (every report from a new device, so the rate limit is
 * not what is measured), carrying the device's public key and signed over the time and the body, so the relay imports
 * a public key and verifies an ECDSA P-256 signature per report.
 */
function signedRequest(i: number): { body: string; headers: Record<string, string> } {
  keys ??= Array.from({ length: 500 }, () => {
    const signer = newSigner();
    return { privateKey: signer.privateKey, deviceKey: signer.publicKey };
  });
  const key = keys[i % keys.length]!;
  const timestamp = String(Date.now());
  const unsigned = bodies[i % bodies.length]!.replace(/"deviceId":"[^"]*"/, `"deviceId":"bench-device-${i}"`).replace(
    /"reportId":"[^"]*"/,
    `"reportId":"bench-report-${i}"`,
  );
  const body = JSON.stringify({ ...JSON.parse(unsigned), deviceKey: key.deviceKey });
  const signature = sign('sha256', Buffer.from(`${timestamp}.${body}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { body, headers: { ...HEADERS, [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp } };
}

/** Signed beforehand, so that signing does not slow the load; a run sends more, and the repeats are answered as duplicates. */
const presigned = (count: number) => Array.from({ length: count }, (_, i) => signedRequest(i));

type Request = ReturnType<typeof signedRequest>;

/**
 * The steady state of a fleet: `devices` browsers, each with its own key, enrolled by a first report, then
 * `reportsEach` more that find what the first found (the hourly report of a browser where nothing changed). Fewer
 * browsers than the relay keeps imported keys for (KEYS_KEPT), as a fleet of that size is.
 */
function knownFleet(devices: number, reportsEach: number): { enroll: Request[]; steady: Request[] } {
  const base = Date.now();
  const fleet = Array.from({ length: devices }, (_, i) => ({
    signer: newSigner(),
    body: JSON.parse(bodies[i % bodies.length]!) as Record<string, unknown>,
    i,
  }));
  const request = ({ signer, body, i }: (typeof fleet)[number], n: number): Request => {
    const text = JSON.stringify({ ...body, deviceId: `known-device-${i}`, reportId: `known-${i}-${n}`, deviceKey: signer.publicKey });
    const timestamp = String(base + n);
    const signature = sign('sha256', Buffer.from(`${timestamp}.${text}`), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { body: text, headers: { ...HEADERS, [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp } };
  };
  return {
    enroll: fleet.map((d) => request(d, 0)),
    steady: Array.from({ length: reportsEach }, (_, n) => fleet.map((d) => request(d, n + 1))).flat(),
  };
}

/** Sends every request once over 50 connections, closed after, and checks each was accepted. */
async function sendAll(url: string, requests: Request[]): Promise<void> {
  const pool = new Pool(url, { connections: 50 });
  let next = 0;
  const one = async (): Promise<void> => {
    for (let i = next++; i < requests.length; i = next++) {
      const res = await pool.request({ method: 'POST', path: '/api/v1/reports', ...requests[i]! });
      const text = await res.body.text();
      if (res.statusCode !== 202) throw new Error(`enrolment refused: ${res.statusCode} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: 50 }, one));
  await pool.close();
}

/** The load: signed as it goes unless given requests (the memory benchmark wants every report from a new device). */
export const load = (url: string, seconds = SECONDS, offset = 0, request = (i: number) => signedRequest(offset + i), connections = 50) =>
  runLoad({ url, connections, rate: Infinity, durationMs: seconds * 1000, request: (i) => ({ method: 'POST', path: '/api/v1/reports', ...request(i) }) });

// Every report invents a device: the benchmark measures ingest, not the admission of new devices.
export const relayEnv = {
  GUARDMAIL_ADMIN_TOKEN: generateToken('admin'),
  GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT,
  GUARDMAIL_LOG_LEVEL: 'warn',
  GUARDMAIL_NEW_DEVICES_PER_HOUR: '1000000000',
};

interface Measured {
  rate: number;
  p99: number;
  /** CPU time the server itself spent per accepted report, in µs: what the two cores shared with the load generator hide. */
  cpuPerReportUs: number;
}

/** The server's CPU seconds since it started, as it says itself: the relay in /metrics, the bare route at /cpu. */
async function cpuSeconds(url: string): Promise<number> {
  const metrics = await fetch(`${url}/metrics`);
  if (metrics.ok) return Number(/^process_cpu_seconds_total (\S+)$/m.exec(await metrics.text())?.[1]);
  return ((await (await fetch(`${url}/cpu`)).json()) as { seconds: number }).seconds;
}

/** Rate, p99 and CPU per report of one server under the load, started and stopped around it. */
async function measure(args: string[], env: Record<string, string>, requests: Request[], enroll: Request[] = []): Promise<Measured> {
  const server = await spawnServer(args, env);
  await sendAll(server.url, enroll);
  const before = await cpuSeconds(server.url);
  const result = await load(server.url, SECONDS, 0, (i) => requests[i % requests.length]!);
  const cpu = (await cpuSeconds(server.url)) - before;
  await server.stop();
  if ((result.statuses.get(202) ?? 0) + (result.statuses.get(204) ?? 0) !== result.sent) {
    throw new Error(`${args[0]} refused reports: ${JSON.stringify([...result.statuses])}`);
  }
  return { rate: result.sent / (result.elapsedMs / 1000), p99: percentile(result.latencies, 99), cpuPerReportUs: (cpu * 1e6) / result.sent };
}

/**
 * Reports per second at 50 connections, validated, evaluated and durably stored (synced before the answer), against
 * a bare Hono route that parses the same JSON and answers 204. For context, the least a durable route can do here
 * (bench/fixtures/durable-ingest.mjs): how much of the gap is the price of durability on this machine.
 */
export async function benchIngest(): Promise<void> {
  buildRelay();
  const signed = presigned(20_000);
  const runs: Record<'relay' | 'known' | 'bare' | 'durable', Measured[]> = { relay: [], known: [], bare: [], durable: [] };
  const relay = () => ['dist/relay.mjs', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-bench-'))];
  const verifyUs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const known = knownFleet(8_000, 4);
    runs.bare.push(await measure(['bench/fixtures/bare-ingest.mjs'], {}, signed));
    runs.durable.push(await measure(['bench/fixtures/durable-ingest.mjs'], {}, signed));
    runs.relay.push(await measure(relay(), relayEnv, signed));
    runs.known.push(await measure(relay(), relayEnv, known.steady, known.enroll));
    verifyUs.push(await signatureCheckUs(known.steady));
  }
  const rate = (k: keyof typeof runs) => median(runs[k].map((x) => x.rate));
  // Every report is signed (issue 26): the relay verifies a signature per report, the baselines only parse.
  report('report ingest (durable, signed)', rate('relay'), 'reports/s', rate('bare'), 'bare Hono parse + 204', '≥ 0.7');
  report('report ingest p99 latency', median(runs.relay.map((x) => x.p99)), 'ms', median(runs.bare.map((x) => x.p99)), 'bare Hono parse + 204', 'p99 < 25 ms');
  report('least durable route (context)', rate('durable'), 'reports/s', rate('bare'), 'bare Hono parse + 204', 'context');
  const cpu = (k: keyof typeof runs) => median(runs[k].map((x) => x.cpuPerReportUs));
  report('relay CPU per accepted report', cpu('relay'), 'µs', cpu('bare'), 'bare Hono parse + 204', 'context: a new device each');
  report('  known device, nothing changed', cpu('known'), 'µs', cpu('bare'), 'bare Hono parse + 204', '≤ 5.0 (signed)');
  report('  the signature check alone, in process', median(verifyUs), 'µs', cpu('bare'), 'bare Hono parse + 204', 'the floor of the above');
  report('  known device, without that check', cpu('known') - median(verifyUs), 'µs', cpu('bare'), 'bare Hono parse + 204', '≤ 2.0 (unsigned)');
  report('report ingest, known devices (steady state)', rate('known'), 'reports/s', rate('bare'), 'bare Hono parse + 204', 'context');
  report('  the least durable route (context)', cpu('durable'), 'µs', cpu('bare'), 'bare Hono parse + 204', 'context');
  report('report ingest vs least durable route', rate('relay'), 'reports/s', rate('durable'), 'parse + INSERT, group commit', 'context');
}

/**
 * Resident memory after 100,000 reports from as many devices, against the same relay idle (flat means the ratio stays
 * near 1), and the store those devices take on disk, per device.
 */
export async function benchMemory(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-bench-'));
  const r = await spawnServer(['dist/relay.mjs', '--port', '0', '--data-dir', dataDir], relayEnv);
  const pid = r.child.pid!;
  await new Promise((res) => setTimeout(res, 1000));
  const idle = rssMb(pid);
  let total = 0;
  const samples: number[] = [];
  while (total < 100_000) {
    const result = await load(r.url, 5, total);
    total += result.sent;
    samples.push(rssMb(pid));
  }
  await r.stop();
  // After a clean stop the log is checkpointed into the database file: that file is the store.
  const storeMb = statSync(join(dataDir, 'guardmail.sqlite')).size / 1024 / 1024;
  report(`RSS after ${total.toLocaleString('en')} reports`, samples.at(-1)!, 'MB', idle, 'the same relay, idle', 'flat (≈ 1)');
  report(`store for ${total.toLocaleString('en')} devices`, storeMb, 'MB', total / 1000, 'thousands of devices', 'MB per 1,000 devices');
  report('RSS growth over the last half of them', samples.at(-1)!, 'MB', samples[Math.floor(samples.length / 2)]!, 'RSS half-way', 'flat (≈ 1)');
}

/**
 * CPU per signature check as the relay makes it (its key already imported, the verification on libuv's pool), here in
 * this process, one at a time: what a signed report cannot cost less than.
 */
async function signatureCheckUs(requests: Request[]): Promise<number> {
  const sample = requests.slice(0, 2_000);
  const parsed = sample.map((r) => ({ r, key: (JSON.parse(r.body) as { deviceKey: DeviceKey }).deviceKey }));
  for (const { r, key } of parsed) await check(r, key); // every key imported once, as the relay holds them
  const before = process.cpuUsage();
  for (const { r, key } of parsed) await check(r, key);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / parsed.length;
}

const check = async (r: Request, key: DeviceKey) => {
  const answer = await checkReportSignature({
    body: r.body,
    timestamp: r.headers[TIMESTAMP_HEADER],
    signature: r.headers[SIGNATURE_HEADER],
    key,
    now: Number(r.headers[TIMESTAMP_HEADER]),
  });
  if (answer !== 'ok') throw new Error(`the bench's own signature did not check: ${answer}`);
};
