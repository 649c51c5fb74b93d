import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLICY } from '../../../shared/alert-policy';
import { report, riskyReport } from '../../../test/fixtures/reports';
import { FleetStore } from '../fleet';
import { MIGRATIONS } from '../schema';
import { migrate, openDatabase, SQLITE_TYPES, type Db } from './db';
import { SqliteSql } from './sql';

// The log's sync is the one thing a test cannot watch on a real disk: hold each one until the test lets it finish.
const syncs = vi.hoisted(() => [] as { path: string; done: (err: NodeJS.ErrnoException | null) => void }[]);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const paths = new Map<number, string>();
  return {
    ...fs,
    openSync: (path: string, flags: string) => {
      const fd = fs.openSync(path, flags);
      paths.set(fd, path);
      return fd;
    },
    fdatasync: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => syncs.push({ path: paths.get(fd)!, done }),
  };
});

const NOW = Date.parse('2026-11-28T10:00:00Z');
let dir: string;
let db: Db;

beforeEach(() => {
  syncs.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'guardmail-fleet-'));
});
afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('group commit', () => {
  it('answers reports only once the write-ahead log holding them is synced, and gathers the next group meanwhile', async () => {
    db = openDatabase(dir);
    const fleet = new FleetStore(new SqliteSql(db));
    const policy = DEFAULT_POLICY;
    const stored = () => (db.prepare('SELECT id FROM devices ORDER BY id').all() as { id: string }[]).map((d) => d.id);
    const first = [fleet.submit(report({ deviceId: 'device-a' }), policy, NOW), fleet.submit(report({ deviceId: 'device-b' }), policy, NOW)];
    expect(await settled(first[0]!)).toBe('pending');
    expect(stored()).toEqual(['device-a', 'device-b']);
    expect(syncs).toHaveLength(1);
    expect(syncs[0]!.path).toBe(join(dir, 'guardmail.sqlite-wal'));

    // Arriving while the first group syncs: committed together once it is done, then synced on their own.
    const second = [fleet.submit(report({ deviceId: 'device-c' }), policy, NOW), fleet.submit(report({ deviceId: 'device-d' }), policy, NOW)];
    expect(await settled(second[0]!)).toBe('pending');
    expect(stored()).toEqual(['device-a', 'device-b']);
    syncs[0]!.done(null);
    expect(await Promise.all(first)).toMatchObject([{ duplicate: false }, { duplicate: false }]);
    expect(await settled(second[0]!)).toBe('pending');
    expect(stored()).toEqual(['device-a', 'device-b', 'device-c', 'device-d']);
    expect(syncs).toHaveLength(2);
    syncs[1]!.done(null);
    expect(await Promise.all(second)).toMatchObject([{ duplicate: false }, { duplicate: false }]);
    await fleet.close();
  });

  it('refuses every report of a group whose sync failed, and keeps the rest of the store writing with full sync', async () => {
    db = openDatabase(dir);
    const fleet = new FleetStore(new SqliteSql(db));
    const policy = DEFAULT_POLICY;
    const pending = fleet.submit(report({ deviceId: 'device-a' }), policy, NOW);
    await settled(pending);
    syncs[0]!.done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(pending).rejects.toMatchObject({ code: 'EIO' });
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    await fleet.close();
  });
});

describe('deduplication', () => {
  it("answers a repeat of a device's latest report with its stored verdict and changes nothing", async () => {
    db = openDatabase(dir);
    const fleet = new FleetStore(new SqliteSql(db));
    const policy = DEFAULT_POLICY;
    const risky = riskyReport();
    const submit = async (r = risky) => {
      const answer = fleet.submit(r, policy, NOW);
      await settled(answer);
      syncs.at(-1)!.done(null);
      return answer;
    };
    const original = await submit();
    const devices = () => db.prepare('SELECT * FROM devices').all();
    const before = devices();
    const repeat = await submit();
    expect(repeat).toEqual({ ...original, duplicate: true, alerted: false });
    expect(devices()).toEqual(before);
    expect(await submit({ ...risky, reportId: 'the-next-report' })).toMatchObject({ duplicate: false });
    await fleet.close();
  });

  it("upgrades a store that kept every report: each device keeps its latest report's id", async () => {
    db = new Database(join(dir, 'guardmail.sqlite'));
    for (const m of MIGRATIONS.filter((m) => m.version <= 4)) db.exec(m.sql(SQLITE_TYPES));
    db.pragma('user_version = 4');
    db.exec(`
      INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at)
        VALUES ('device-0001', 'Front desk PC', 'Chrome', '131.0', 'win', 'secure', 1, '[]', 1, 3);
      INSERT INTO reports (report_id, device_id, received_at, level, compliant)
        VALUES ('report-older', 'device-0001', 1, 'secure', 1), ('report-latest', 'device-0001', 3, 'secure', 1), ('report-other', 'device-0002', 5, 'secure', 1);
    `);
    migrate(db);
    expect(db.prepare('SELECT id, last_report_id FROM devices').all()).toEqual([{ id: 'device-0001', last_report_id: 'report-latest' }]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'reports'").get()).toBeUndefined();
  });
});
