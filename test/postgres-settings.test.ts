import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../relay/storage/postgres/migrate';
import { PostgresSettings } from '../relay/storage/postgres/settings';
import { idleErrors, startPostgres, testPool, type PostgresCluster } from './fixtures/postgres';

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
let relays: PostgresSettings[];

beforeAll(async () => {
  cluster = await startPostgres();
  const url = cluster.createDatabase('settings');
  pools.push(testPool(url, { max: 3 }), testPool(url, { max: 3 }));
  await migratePostgres(pools[0]!);
  relays = pools.map((p) => new PostgresSettings(p));
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
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
    await relays[1]!.listen((name) => heard.push(name), () => undefined);
    expect(await relays[1]!.get('alert-policy')).toBeNull();
    await relays[0]!.put('alert-policy', { recipients: ['it@example.com'] });
    await until(() => heard.includes('alert-policy'));
    expect(await relays[1]!.get('alert-policy')).toEqual({ recipients: ['it@example.com'] });
  });

  it('says when its listening connection is lost, so the relay drops every cached setting', async () => {
    const lost: Error[] = [];
    const listener = new PostgresSettings(pools[0]!);
    await listener.listen(() => undefined, (err) => lost.push(err));
    cluster.pause();
    await until(() => lost.length === 1);
    cluster.resume();
    // The pools open new connections: nothing else is lost.
    expect(await relays[0]!.get('alert-policy')).toEqual({ recipients: ['it@example.com'] });
    for (const err of idleErrors) expect(err.message).toMatch(/terminat/);
  });
});
