import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../shared/alert-policy';
import { FleetStore } from '../relay/storage/fleet';
import { PostgresSql } from '../relay/storage/postgres/sql';
import { openDatabase } from '../relay/storage/sqlite/db';
import { SqliteSql } from '../relay/storage/sqlite/sql';
import { migratePostgres } from '../relay/storage/postgres/migrate';
import { startPostgres, testPool } from '../test/fixtures/postgres';
import { riskyReport, report as makeReport } from '../test/fixtures/reports';
import { median, report } from './lib';

const RUNS = 3;
const SECONDS = 3;
const IN_FLIGHT = 50;

type Submit = (i: number) => Promise<unknown>;

/** Reports stored per second with `IN_FLIGHT` waiting at any time, each from a new device, every tenth one risky. */
async function ingestRate(submit: Submit): Promise<number> {
  let sent = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < until) await submit(sent++);
    }),
  );
  return sent / SECONDS;
}

const reportOf = (run: string, i: number) => (i % 10 === 0 ? riskyReport : makeReport)({ deviceId: `${run}-device-${i}`, reportId: `${run}-report-${i}` });

/**
 * Durable report ingest at the store, the relay's HTTP left out: SQLite's group commit (synchronous=FULL, its own
 * fdatasync) against PostgreSQL's (one transaction per group, synchronous_commit on, a throwaway cluster on the same
 * disk), in the same run. The relay's end-to-end figures on PostgreSQL come once it runs on it.
 */
export async function benchStorage(): Promise<void> {
  const cluster = await startPostgres();
  try {
    const sqlite: number[] = [];
    const postgres: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const db = openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-bench-storage-')));
      const fleet = new FleetStore(new SqliteSql(db));
      sqlite.push(await ingestRate((i) => fleet.submit(reportOf(`s${run}`, i), DEFAULT_POLICY, Date.now())));
      await fleet.close();
      db.close();

      const pool = testPool(cluster.createDatabase(`bench_${run}`), { max: 4 });
      await migratePostgres(pool);
      const pgFleet = new FleetStore(new PostgresSql(pool));
      postgres.push(await ingestRate((i) => pgFleet.submit(reportOf(`p${run}`, i), DEFAULT_POLICY, Date.now())));
      await pool.end();
    }
    report('durable ingest at the store, PostgreSQL', median(postgres), 'reports/s', median(sqlite), 'SQLite, same reports', 'context');
  } finally {
    cluster.stop();
  }
}
