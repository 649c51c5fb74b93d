import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssMb } from '../test/fixtures/load';
import { buildRelay, median, report, spawnServer } from './lib';

const RUNS = 7;

/** Spawns a server the way an operator would, and measures spawn → first /healthz 200, and its RSS once idle. */
async function coldStart(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const server = await spawnServer(args);
  try {
    while ((await fetch(`${server.url}/healthz`).catch(() => null))?.status !== 200) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 500));
    return { ms, rssMb: rssMb(server.child.pid!) };
  } finally {
    await server.stop();
  }
}

/** As operators run it: `npm run relay`, the bundle esbuild makes, under plain node. */
export async function benchStart(): Promise<void> {
  buildRelay();
  const relay: { ms: number; rssMb: number }[] = [];
  const baseline: { ms: number; rssMb: number }[] = [];
  // A restart, as operators do it: the store already exists (its first creation is a one-off).
  const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-bench-'));
  const relayArgs = ['dist/relay.mjs', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
  await coldStart(relayArgs);
  for (let i = 0; i < RUNS; i++) {
    // Alternate, so that a slow moment of the machine falls on both sides.
    baseline.push(await coldStart(['bench/fixtures/minimal-hono.mjs']));
    relay.push(await coldStart(relayArgs));
  }
  report('cold start to first /healthz 200', median(relay.map((r) => r.ms)), 'ms', median(baseline.map((r) => r.ms)), 'minimal Hono server', '≤ 1.5');
  report('idle RSS', median(relay.map((r) => r.rssMb)), 'MB', median(baseline.map((r) => r.rssMb)), 'minimal Hono server', '< 90 MB absolute');
}
