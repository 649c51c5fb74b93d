import { LEVELS, type Level } from '../../shared/alert-policy';
import type { DeviceSort, LevelCounts } from '../../shared/fleet';
import { containsPattern, levelsFrom, wordsPattern, positionOf, type DeviceFilter, type Position, type PositionRow } from '../domain/device-page';
import { constant, inList, joined, sql, wrapped, type Fragment, type Sql, type Statement } from './sql';

/**
 * The console's device lists, on either engine. Each order walks an index of its own (schema.ts, migration 19) from
 * where the last page ended, so a page costs its own rows, not the fleet's: `risk` reads the levels one after the
 * other by (level, last_seen_at, id); `lastSeen` by (last_seen_at, id); `name` by (lower(label), id). A finding or an
 * extension is found through its own table's index; text is searched in the rows the order walks.
 *
 * Times are the stored ones: the relay holds a device's newer time in memory for up to domain/last-seen.ts's step, so
 * that order is as exact as that step; the rows answered show the newer time.
 */
export async function devicePage<Row extends PositionRow>(
  db: Sql,
  input: { filter: DeviceFilter; sort: DeviceSort; limit: number; after: Position | null; staleBefore: number },
): Promise<{ rows: Row[]; next: Position | null }> {
  const { filter, sort, limit, after } = input;
  const narrowed = conditions(filter, input.staleBefore);
  const rows: PositionRow[] = [];
  // The page's positions first, then its rows: a sort or a walk carries the keys alone, never a device's findings (up
  // to 32 KB, stored before last_seen_at, so SQLite would read their overflow pages for every row it passed).
  const read = async (parts: Statement[], order: Fragment) =>
    rows.push(
      ...(await db.all<PositionRow>(
        joined([
          wrapped('SELECT id, level, last_seen_at, lower(label) AS name_key FROM devices', where(parts)),
          sql` ORDER BY ${order} LIMIT ${limit + 1 - rows.length}`,
        ]),
      )),
    );
  if (sort === 'risk') {
    for (const level of levelsFrom(filter.levels, after)) {
      const keyset = after?.sort === 'risk' && after.level === level ? [sql`(last_seen_at, id) < (${after.seen}, ${after.id})`] : [];
      await read([sql`level = ${level}`, ...narrowed, ...keyset], ORDER.risk);
      if (rows.length > limit) break;
    }
  } else {
    const levels = filter.levels ? [sql`level ${inList(filter.levels)}`] : [];
    const keyset =
      after?.sort === 'lastSeen'
        ? [sql`(last_seen_at, id) < (${after.seen}, ${after.id})`]
        : after?.sort === 'name'
          ? [sql`(lower(label), id) > (${after.name}, ${after.id})`]
          : [];
    await read([...levels, ...narrowed, ...keyset], ORDER[sort]);
  }
  const page = rows.slice(0, limit);
  const whole = new Map(
    page.length === 0 ? [] : (await db.all<Row>(sql`SELECT * FROM devices WHERE id ${inList(page.map((r) => r.id))}`)).map((r) => [r.id, r]),
  );
  return {
    // A device forgotten between the two reads is left out.
    rows: page.flatMap((p) => {
      const row = whole.get(p.id);
      return row ? [{ ...row, name_key: p.name_key }] : [];
    }),
    next: rows.length > limit ? positionOf(sort, page[page.length - 1]!) : null,
  };
}

/** Per level, the devices every filter but the levels matches. */
export async function levelCounts(db: Sql, filter: DeviceFilter, staleBefore: number): Promise<LevelCounts> {
  const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as LevelCounts;
  const rows = await db.all<{ level: Level; n: number | string }>(
    joined([wrapped('SELECT level, count(*) AS n FROM devices', where(conditions(filter, staleBefore))), sql` GROUP BY level`]),
  );
  for (const row of rows) counts[row.level] = Number(row.n);
  return counts;
}

// Each the order of its index; within a level for `risk`.
const ORDER: Record<DeviceSort, Fragment> = {
  risk: constant('last_seen_at DESC, id DESC'),
  lastSeen: constant('last_seen_at DESC, id DESC'),
  name: constant('lower(label), id'),
};

const where = (parts: Statement[]): Statement => (parts.length === 0 ? sql`` : wrapped(' WHERE ', joined(parts, ' AND ')));

/** The filters but the levels, as SQL conditions on devices. */
function conditions(filter: DeviceFilter, staleBefore: number): Statement[] {
  const parts: Statement[] = [];
  if (filter.browser !== undefined) parts.push(sql`browser = ${filter.browser}`);
  // A version is digits and dots (the route checks): "131" is every 131.x.
  if (filter.version !== undefined) parts.push(sql`(version = ${filter.version} OR version LIKE ${`${filter.version}.%`})`);
  // An OS is reported as its platform and version ("win 15.0.0"): the platform alone names them all.
  if (filter.os !== undefined) parts.push(sql`(os = ${filter.os} OR os LIKE ${wordsPattern(filter.os)} ESCAPE '\\')`);
  if (filter.check !== undefined)
    parts.push(
      filter.subject === undefined
        ? sql`id IN (SELECT device_id FROM device_findings WHERE check_id = ${filter.check})`
        : sql`id IN (SELECT device_id FROM device_findings WHERE check_id = ${filter.check} AND subject = ${filter.subject})`,
    );
  if (filter.extension !== undefined) parts.push(sql`id IN (SELECT device_id FROM device_extensions WHERE extension_id = ${filter.extension})`);
  if (filter.stopped !== undefined) parts.push(filter.stopped ? sql`last_seen_at < ${staleBefore}` : sql`last_seen_at >= ${staleBefore}`);
  if (filter.text !== undefined) {
    const pattern = containsPattern(filter.text);
    parts.push(sql`(lower(label) LIKE ${pattern} ESCAPE '\\' OR lower(id) LIKE ${pattern} ESCAPE '\\')`);
  }
  return parts;
}
