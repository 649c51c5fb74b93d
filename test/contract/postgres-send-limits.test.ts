import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSendLimits } from '../../relay/storage/postgres/send-limits';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';

const NOW = Date.parse('2026-12-03T09:00:00Z');
const MAILBOX = 'alerts@contoso.com';
/** Exchange Online's limits for one mailbox: 3 SMTP connections, 30 messages a minute. */
const CONNECTIONS = 3;
const MINUTE_PACE = 60_000 / 30;

let cluster: PostgresCluster;
let relays: PostgresSendLimits[];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  const url = cluster.createDatabase('send_limits');
  pools.push(...[0, 1, 2].map(() => testPool(url, { max: 10 })));
  await migratePostgres(pools[0]!);
  relays = pools.map((p) => new PostgresSendLimits(p));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

describe("a mailbox's sending limits shared by three relays", () => {
  it('gives out 3 connections to one mailbox in all, not 3 per relay, and takes back one whose relay died', async () => {
    // Each attempt is a connection a relay wants to open, named as its holder.
    const attempts = await Promise.all(Array.from({ length: 30 }, (_, i) => relays[i % 3]!.acquire(MAILBOX, CONNECTIONS, `connection-${i}`, NOW, 30_000)));
    const held = attempts.flatMap((slot, i) => (slot === null ? [] : [{ slot, holder: `connection-${i}` }]));
    expect(held.map((h) => h.slot).sort()).toEqual([0, 1, 2]);
    // Another mailbox has limits of its own.
    expect(await relays[0]!.acquire('other@contoso.com', CONNECTIONS, 'connection-other', NOW, 30_000)).toBe(0);

    const [closed, ...open] = held;
    await relays[0]!.release(MAILBOX, closed!.slot, closed!.holder);
    expect(await relays[1]!.acquire(MAILBOX, CONNECTIONS, 'connection-31', NOW + 1, 30_000)).toBe(closed!.slot);
    expect(await relays[2]!.acquire(MAILBOX, CONNECTIONS, 'connection-32', NOW + 1, 30_000)).toBeNull();

    // One connection is renewed; the other's relay died: its slot is taken once the lease runs out, and stays taken.
    expect(await relays[0]!.renew(MAILBOX, open[0]!.slot, open[0]!.holder, NOW + 20_000, 30_000)).toBe(true);
    expect(await relays[2]!.acquire(MAILBOX, CONNECTIONS, 'connection-33', NOW + 30_001, 30_000)).toBe(open[1]!.slot);
    expect(await relays[0]!.renew(MAILBOX, open[1]!.slot, open[1]!.holder, NOW + 30_002, 30_000)).toBe(false);
  });

  it("paces the mailbox's messages across relays: 30 a minute in all, none at the same moment", async () => {
    const times = await Promise.all(Array.from({ length: 30 }, (_, i) => relays[i % 3]!.nextSendAt(MAILBOX, NOW, MINUTE_PACE)));
    expect([...times].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => NOW + i * MINUTE_PACE));
    // Idle long enough, the pace starts again from now, not from a time in the past.
    expect(await relays[1]!.nextSendAt(MAILBOX, NOW + 3_600_000, MINUTE_PACE)).toBe(NOW + 3_600_000);
  });
});
