/**
 * `npm run simulate`: a fleet of simulated browsers reporting to relays as the extension does (bench/simulator), and
 * what the relays sustain at each size: the breakpoint table of docs/performance.md. By default it starts its own relay
 * on this machine (SQLite, or PostgreSQL with `--engine postgres --relays 2`) and an SMTP server the alerts go to;
 * `--url` (once per relay) and `--enrollment-token` point it at relays elsewhere instead.
 *
 *   npm run simulate -- --steps 1000,10000,100000 --minutes 3 --engine sqlite
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateToken } from '../relay/storage/access-tokens';
import { startPostgres, type PostgresCluster } from '../test/fixtures/postgres';
import { percentile } from '../test/fixtures/load';
import { basicSettings } from '../test/fixtures/relay';
import { testPki } from '../test/fixtures/tls';
import { startMta } from '../test/peers/mta';
import type { SmtpPeer } from '../test/peers/smtp-peer';
import { buildRelay, spawnServer } from './lib';
import { Simulation, type WindowStats } from './simulator/driver';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '3' },
    'ramp-seconds': { type: 'string', default: '60' },
    speeds: { type: 'string', default: '' },
    engine: { type: 'string', default: 'sqlite' },
    relays: { type: 'string', default: '1' },
    url: { type: 'string', multiple: true },
    'enrollment-token': { type: 'string' },
    'interval-minutes': { type: 'string', default: '60' },
    'changes-per-hour': { type: 'string', default: '1' },
    'vulnerable-per-hour': { type: 'string', default: '0.01' },
    'grouping-seconds': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    // Another build of the relay to compare with (an older commit's dist/relay.mjs), instead of building this one.
    relay: { type: 'string' },
  },
});

const SMTP_PASSWORD = 'correct horse battery staple';
/** Connections per relay: a backlog past them waits in the simulator, as reports wait in browsers' queues. */
const CONNECTIONS = 64;

/** A relay's figures from its own /metrics: what transfers to another machine. */
interface RelayFigures {
  cpuSeconds: number;
  received: number;
  rowsWritten: number;
  rssBytes: number;
  heapBytes: number;
}

async function relayFigures(url: string): Promise<RelayFigures | null> {
  const res = await fetch(`${url}/metrics`).catch(() => null);
  if (!res?.ok) return null;
  const text = await res.text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    cpuSeconds: value('process_cpu_seconds_total'),
    received: value('guardmail_reports_received_total'),
    rowsWritten: value('guardmail_device_rows_written_total'),
    rssBytes: value('process_resident_memory_bytes'),
    heapBytes: value('nodejs_heap_size_used_bytes'),
  };
}

/** The machine's busy CPU time (all cores), in seconds, from /proc/stat: whatever shared the two cores. */
function machineBusySeconds(): number {
  // cpu user nice system idle iowait irq softirq steal, in USER_HZ (100 a second on Linux).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The local store and what has been written to it. */
interface Store {
  label: string;
  sizeBytes(): Promise<number>;
  /** Rows the database itself says it inserted, updated or deleted in `devices` (PostgreSQL), else null. */
  deviceTupleWrites(): Promise<number | null>;
  close(): Promise<void>;
}

function sqliteStore(dataDir: string): Store {
  return {
    label: 'SQLite, 1 relay',
    sizeBytes: async () =>
      readdirSync(dataDir)
        .filter((f) => f.startsWith('guardmail.sqlite'))
        .reduce((n, f) => n + statSync(join(dataDir, f)).size, 0),
    deviceTupleWrites: async () => null,
    close: async () => undefined,
  };
}

function postgresStore(url: string, relays: number): Store {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    label: `PostgreSQL, ${relays} relay${relays > 1 ? 's' : ''}`,
    sizeBytes: async () => Number((await pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]!.n),
    deviceTupleWrites: async () =>
      Number(
        (
          await pool.query<{ n: string | null }>(
            "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) AS n FROM pg_stat_user_tables WHERE relname IN ('devices', 'device_extensions', 'fleet_versions')",
          )
        ).rows[0]!.n ?? 0,
      ),
    close: () => pool.end(),
  };
}

interface Local {
  urls: string[];
  enrollmentToken: string;
  smtp: SmtpPeer;
  store: Store;
  stop(): Promise<void>;
}

/** Relays on this machine, as an operator starts them (dist/relay.mjs), with an SMTP server the alerts go to. */
async function startLocal(engine: string, count: number, groupingSeconds: number, bundle: string | undefined): Promise<Local> {
  if (!bundle) buildRelay();
  const smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': SMTP_PASSWORD } });
  let cluster: PostgresCluster | null = null;
  let database: string | null = null;
  if (engine === 'postgres') {
    cluster = await startPostgres();
    database = cluster.createDatabase('simulate');
  }
  const adminToken = generateToken('admin');
  const enrollmentToken = generateToken('enrollment');
  const dataDirs = Array.from({ length: count }, () => mkdtempSync(join(tmpdir(), 'guardmail-simulate-')));
  const env = {
    GUARDMAIL_ADMIN_TOKEN: adminToken,
    GUARDMAIL_ENROLLMENT_TOKEN: enrollmentToken,
    GUARDMAIL_SECRET_KEY: randomBytes(32).toString('base64'),
    GUARDMAIL_LOG_LEVEL: 'warn',
    // The fleet starts up within the ramp: enrolling it is not what is measured.
    GUARDMAIL_NEW_DEVICES_PER_HOUR: '1000000000',
  };
  const relays: Awaited<ReturnType<typeof spawnServer>>[] = [];
  for (const dir of dataDirs)
    relays.push(await spawnServer([bundle ?? 'dist/relay.mjs', '--port', '0', '--data-dir', dir, ...(database ? ['--database-url', database] : [])], env));
  const admin = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${relays[0]!.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await admin(
    'PUT',
    '/mail-settings',
    basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: SMTP_PASSWORD, caCertificate: testPki().caCert }),
  );
  await admin('PUT', '/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: groupingSeconds });
  const store = database ? postgresStore(database, count) : sqliteStore(dataDirs[0]!);
  return {
    urls: relays.map((r) => r.url),
    enrollmentToken,
    smtp,
    store,
    stop: async () => {
      await Promise.all(relays.map((r) => r.stop()));
      await store.close();
      await smtp.close();
      cluster?.stop();
    },
  };
}

interface Row {
  label: string;
  devices: number;
  offered: number;
  window: WindowStats;
  relayCpuUs: number;
  relayCpuShare: number;
  machineBusy: number;
  rssMb: number;
  heapMb: number;
  storeMb: number;
  growthMbPerDay: number;
  rowsPerHour: number;
  tuplesPerHour: number | null;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

function printRows(rows: Row[]): void {
  const header =
    '| fleet | store | offered/s | sustained/s | p50 ms | p99 ms | refused | relay CPU/report µs | relay CPU (cores) | machine busy (of 2) | relay RSS MB | heap MB | store MB | growth MB/day | device rows/h | DB tuples/h | alert p99 ms (alerts) |';
  process.stdout.write(`\n${header}\n|${'---|'.repeat(header.split('|').length - 2)}\n`);
  for (const r of rows) {
    const w = r.window;
    const refused = [...w.refused.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(
      `| ${fmt(r.devices)} | ${r.label} | ${fmt(r.offered, 1)} | ${fmt(w.accepted / w.seconds, 1)} | ${fmt(percentile(w.latencies, 50), 1)} | ${fmt(percentile(w.latencies, 99), 1)} | ${refused} | ${fmt(r.relayCpuUs)} | ${fmt(r.relayCpuShare, 2)} | ${fmt(r.machineBusy, 2)} | ${fmt(r.rssMb)} | ${fmt(r.heapMb)} | ${fmt(r.storeMb, 1)} | ${fmt(r.growthMbPerDay, 1)} | ${fmt(r.rowsPerHour)} | ${r.tuplesPerHour === null ? 'n/a' : fmt(r.tuplesPerHour)} | ${w.alertLatencies.length ? `${fmt(percentile(w.alertLatencies, 99))} (${w.alertLatencies.length})` : 'none'} |\n`,
    );
    if (refused > 0) process.stdout.write(`|   refused: ${JSON.stringify(Object.fromEntries(w.refused))} |\n`);
  }
}

const sum = (figures: (RelayFigures | null)[], key: keyof RelayFigures) => figures.reduce((n, f) => n + (f ? f[key] : Number.NaN), 0);

async function main(): Promise<void> {
  const steps = args.steps.split(',').map(Number);
  const speeds = args.speeds ? args.speeds.split(',').map(Number) : [];
  const minutes = Number(args.minutes);
  const relays = Number(args.relays);
  const local = args.url ? null : await startLocal(args.engine, relays, Number(args['grouping-seconds']), args.relay);
  const urls = args.url ?? local!.urls;
  const enrollmentToken = args['enrollment-token'] ?? local?.enrollmentToken;
  if (!enrollmentToken) throw new Error('--enrollment-token is needed with --url');
  const sim = new Simulation({
    urls,
    connections: CONNECTIONS,
    enrollmentToken,
    seed: Number(args.seed),
    shape: {
      intervalMinutes: Number(args['interval-minutes']),
      changesPerHour: Number(args['changes-per-hour']),
      vulnerablePerHour: Number(args['vulnerable-per-hour']),
    },
  });
  const label = local?.store.label ?? `${urls.length} relay(s) at ${urls.join(', ')}`;
  process.stderr.write(
    `simulating on ${label}; the simulator, the relays${args.engine === 'postgres' ? ', PostgreSQL' : ''} and the SMTP server share this machine's cores\n`,
  );

  sim.takeWindow();
  const progress = setInterval(() => {
    if (local) sim.readMail(local.smtp.received);
  }, 100);
  const line = (phase: string, w: WindowStats) =>
    process.stderr.write(
      `\r${phase}: ${fmt(sim.enrolled)}/${fmt(sim.devices.length)} browsers enrolled, ${fmt(w.accepted / Math.max(w.seconds, 1e-3), 1)} reports/s, p99 ${fmt(percentile(w.latencies, 99), 1)} ms, refused ${[...w.refused.values()].reduce((a, b) => a + b, 0)}, alerts awaited ${sim.waitingAlerts}   `,
    );
  const rows: Row[] = [];
  sim.start();

  const measure = async (phase: string): Promise<void> => {
    sim.takeWindow();
    const [before, sizeBefore, tuplesBefore, busyBefore] = [
      await Promise.all(urls.map(relayFigures)),
      (await local?.store.sizeBytes()) ?? Number.NaN,
      (await local?.store.deviceTupleWrites()) ?? null,
      machineBusySeconds(),
    ];
    const merged: WindowStats = { seconds: 0, accepted: 0, refused: new Map(), latencies: [], alertLatencies: [], alertsWaiting: 0 };
    const end = performance.now() + minutes * 60_000;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 5_000));
      const w = sim.takeWindow();
      merged.seconds += w.seconds;
      merged.accepted += w.accepted;
      merged.latencies.push(...w.latencies);
      merged.alertLatencies.push(...w.alertLatencies);
      merged.alertsWaiting = w.alertsWaiting;
      for (const [k, n] of w.refused) merged.refused.set(k, (merged.refused.get(k) ?? 0) + n);
      line(phase, w);
    }
    const after = await Promise.all(urls.map(relayFigures));
    const busy = machineBusySeconds() - busyBefore;
    const sizeAfter = (await local?.store.sizeBytes()) ?? Number.NaN;
    const tuplesAfter = (await local?.store.deviceTupleWrites()) ?? null;
    const { intervalMinutes, changesPerHour, speed } = sim.shape;
    const received = sum(after, 'received') - sum(before, 'received');
    const cpu = sum(after, 'cpuSeconds') - sum(before, 'cpuSeconds');
    rows.push({
      label: speed === 1 ? label : `${label}, clock ×${speed}`,
      devices: sim.devices.length * speed,
      offered: (sim.devices.length * speed * (60 / intervalMinutes + changesPerHour)) / 3600,
      window: merged,
      relayCpuUs: (cpu * 1e6) / received,
      relayCpuShare: cpu / merged.seconds,
      machineBusy: busy / merged.seconds,
      rssMb: Math.max(...after.map((f) => (f ? f.rssBytes / 1048576 : Number.NaN))),
      heapMb: Math.max(...after.map((f) => (f ? f.heapBytes / 1048576 : Number.NaN))),
      storeMb: sizeAfter / 1048576,
      growthMbPerDay: ((sizeAfter - sizeBefore) / 1048576) * (86_400 / merged.seconds),
      rowsPerHour: ((sum(after, 'rowsWritten') - sum(before, 'rowsWritten')) * 3600) / merged.seconds,
      tuplesPerHour: tuplesAfter === null || tuplesBefore === null ? null : ((tuplesAfter - tuplesBefore) * 3600) / merged.seconds,
    });
    process.stderr.write('\n');
  };

  try {
    for (const step of steps) {
      sim.grow(step, Number(args['ramp-seconds']) * 1000);
      // Enrolled, and the start-up's backlog answered: the reports that fell due meanwhile are not the steady state.
      while (sim.enrolled < step || sim.inFlight > CONNECTIONS / 2) {
        await new Promise((r) => setTimeout(r, 2_000));
        line(`start-up of ${fmt(step)}`, sim.takeWindow());
      }
      process.stderr.write('\n');
      await measure(`${fmt(step)} browsers`);
      printRows(rows.slice(-1));
    }
    for (const speed of speeds) {
      sim.setSpeed(speed);
      await measure(`${fmt(sim.devices.length)} browsers, clock ×${speed}`);
      printRows(rows.slice(-1));
    }
    process.stdout.write('\nAll steps:');
    printRows(rows);
  } finally {
    clearInterval(progress);
    await sim.stop();
    await local?.stop();
  }
}

await main();
