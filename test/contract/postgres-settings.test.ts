import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { AlertPolicy } from '../../shared/alert-policy';
import { listenForChanges } from '../../relay/storage/postgres/listen';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { PolicyStore } from '../../relay/storage/settings';
import { idleErrors, startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
let relays: PolicyStore[];
const stops: (() => void)[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  const url = cluster.createDatabase('settings');
  pools.push(testPool(url, { max: 3 }), testPool(url, { max: 3 }));
  await migratePostgres(pools[0]!);
  relays = pools.map((p) => new PolicyStore(new PostgresSql(p)));
});
afterAll(async () => {
  for (const stop of stops) stop();
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

const until = async (done: () => boolean) => {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(done()).toBe(true);
};

describe('settings shared by two relays on PostgreSQL', () => {
  it('tells every relay which setting an admin changed on another, once it is committed', async () => {
    const heard: string[] = [];
    stops.push(
      await listenForChanges(
        pools[1]!,
        (name) => heard.push(name),
        () => undefined,
      ),
    );
    await relays[1]!.load();
    expect(relays[1]!.get().recipients).toEqual([]);
    await relays[0]!.save(v.parse(AlertPolicy, { recipients: ['it@example.com'] }));
    await until(() => heard.includes('alert-policy'));
    await relays[1]!.load();
    expect(relays[1]!.get().recipients).toEqual(['it@example.com']);
  });

  it('says when its listening connection is lost, so the relay drops every cached setting', async () => {
    const lost: Error[] = [];
    stops.push(
      await listenForChanges(
        pools[0]!,
        () => undefined,
        (err) => lost.push(err),
      ),
    );
    cluster.pause();
    await until(() => lost.length === 1);
    cluster.resume();
    // The pools open new connections: nothing else is lost.
    await relays[0]!.load();
    expect(relays[0]!.get().recipients).toEqual(['it@example.com']);
    for (const err of idleErrors) expect(err.message).toMatch(/terminat/);
  });
});
