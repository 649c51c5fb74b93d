import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, rssMb, runLoad } from '../test/fixtures/load';
import { report as makeReport } from '../test/fixtures/reports';
import { buildRelay, median, report, spawnServer } from './lib';

const ENROLLMENT = `gm_enr_${'e'.repeat(43)}`;
const RUNS = 3;
const SECONDS = 5;

const bodies = Array.from({ length: 100 }, () => JSON.stringify(makeReport()));
const load = (url: string, seconds = SECONDS, offset = 0) =>
  runLoad({
    url,
    connections: 50,
    rate: Infinity,
    durationMs: seconds * 1000,
    request: (i) => ({
      method: 'POST',
      path: '/api/v1/reports',
      headers: { Authorization: `Bearer ${ENROLLMENT}`, 'Content-Type': 'application/json' },
      // Every report from a new device: the rate limit must not be what is measured.
      body: bodies[i % bodies.length]!.replace(/"deviceId":"[^"]*"/, `"deviceId":"bench-device-${offset + i}"`).replace(/"reportId":"[^"]*"/, `"reportId":"bench-report-${offset + i}"`),
    }),
  });

const relayEnv = { GUARDMAIL_ADMIN_TOKEN: `gm_adm_${'a'.repeat(43)}`, GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT, GUARDMAIL_LOG_LEVEL: 'warn' };

/**
 * Reports per second at 50 connections, validated, evaluated and durably stored (synchronous=FULL, group commit),
 * against a bare Hono route that parses the same JSON and answers 204.
 */
export async function benchIngest(): Promise<void> {
  buildRelay();
  const relay: { rate: number; p99: number }[] = [];
  const bare: { rate: number; p99: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const b = await spawnServer(['bench/fixtures/bare-ingest.mjs']);
    const br = await load(b.url);
    await b.stop();
    bare.push({ rate: br.sent / (br.elapsedMs / 1000), p99: percentile(br.latencies, 99) });
    const r = await spawnServer(['dist/relay.mjs', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-bench-'))], relayEnv);
    const rr = await load(r.url);
    await r.stop();
    if ((rr.statuses.get(202) ?? 0) !== rr.sent) throw new Error(`the relay refused reports: ${JSON.stringify([...rr.statuses])}`);
    relay.push({ rate: rr.sent / (rr.elapsedMs / 1000), p99: percentile(rr.latencies, 99) });
  }
  report('report ingest (durable)', median(relay.map((x) => x.rate)), 'reports/s', median(bare.map((x) => x.rate)), 'bare Hono parse + 204', '≥ 0.7');
  report('report ingest p99 latency', median(relay.map((x) => x.p99)), 'ms', median(bare.map((x) => x.p99)), 'bare Hono parse + 204', 'p99 < 25 ms');
}

/** Resident memory after 100,000 reports, against the same relay idle: flat means the ratio stays near 1. */
export async function benchMemory(): Promise<void> {
  const r = await spawnServer(['dist/relay.mjs', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-bench-'))], relayEnv);
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
  report(`RSS after ${total.toLocaleString('en')} reports`, samples.at(-1)!, 'MB', idle, 'the same relay, idle', 'flat (≈ 1)');
  report('RSS growth over the last half of them', samples.at(-1)!, 'MB', samples[Math.floor(samples.length / 2)]!, 'RSS half-way', 'flat (≈ 1)');
}
