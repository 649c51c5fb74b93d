import type { Pool, PoolClient } from 'pg';
import { isFragment, type Param, type Rows, type Sql, type Statement } from '../sql';
import { transaction } from './pool';

/** The channel a relay announces a changed setting on: its payload is the setting's name (listen.ts). */
export const SETTINGS_CHANNEL = 'guardmail_settings';

/** PostgreSQL takes at most 65,535 parameters a statement. */
const MAX_PARAMETERS = 65_535;

/** How a statement's text reads on PostgreSQL, and the values it binds. */
function render(statement: Statement): { text: string; values: unknown[] } {
  let text = statement.strings[0]!;
  const values: unknown[] = [];
  statement.values.forEach((value, i) => {
    if (!isFragment(value)) {
      values.push(value);
      text += `$${values.length}`;
    } else if (value.fragment === 'constant') {
      text += value.text;
    } else if (value.fragment === 'in-list') {
      values.push(value.values);
      text += `= ANY($${values.length})`;
    } else {
      text += value.fragment === 'for-update' ? 'FOR UPDATE' : 'FOR UPDATE SKIP LOCKED';
    }
    text += statement.strings[i + 1]!;
  });
  return { text, values };
}

/** The SQL interface over a pool (each statement on any connection) or one transaction's connection. */
export class PostgresSql implements Sql {
  readonly engine = 'postgres' as const;
  readonly #pool: Pool;
  readonly #db: Pool | PoolClient;

  constructor(pool: Pool, client?: PoolClient) {
    this.#pool = pool;
    this.#db = client ?? pool;
  }

  async all<T>(statement: Statement): Promise<T[]> {
    const { text, values } = render(statement);
    return (await this.#db.query(text, values)).rows as T[];
  }

  async get<T>(statement: Statement): Promise<T | undefined> {
    return (await this.all<T>(statement))[0];
  }

  async run(statement: Statement): Promise<number> {
    const { text, values } = render(statement);
    return (await this.#db.query(text, values)).rowCount ?? 0;
  }

  async insertRows(table: string, columns: readonly string[], rows: Rows, tail = ''): Promise<void> {
    const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const tuples = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
      await this.#db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples} ${tail}`, chunk.flat() as Param[]);
    }
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.#db !== this.#pool) return work(this);
    return transaction(this.#pool, (client) => work(new PostgresSql(this.#pool, client)));
  }

  // Advisory locks share one key space with whatever else uses the database: the relay's names are prefixed.
  async lock(name: string): Promise<void> {
    await this.#db.query("SELECT pg_advisory_xact_lock(hashtext('guardmail:' || $1))", [name]);
  }

  async tryLock(name: string): Promise<boolean> {
    const { rows } = await this.#db.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('guardmail:' || $1)) AS locked", [name]);
    return rows[0]!.locked;
  }

  exclusive<T>(name: string, work: (db: Sql) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.lock(name);
      return work(tx);
    });
  }

  async announce(name: string): Promise<void> {
    await this.#db.query('SELECT pg_notify($1, $2)', [SETTINGS_CHANNEL, name]);
  }
}
