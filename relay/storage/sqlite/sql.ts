import type { Statement as Prepared } from 'better-sqlite3';
import { isFragment, type Param, type Rows, type Sql, type Statement, type TransactionOptions } from '../sql';
import type { Db } from './db';
import { WalSync } from './wal-sync';

/** How a statement's text reads on SQLite, and the values it binds. */
function render(statement: Statement): { text: string; values: Param[] } {
  let text = statement.strings[0]!;
  const values: Param[] = [];
  statement.values.forEach((value, i) => {
    if (!isFragment(value)) {
      text += '?';
      values.push(value);
    } else if (value.fragment === 'constant') {
      text += value.text;
    } else if (value.fragment === 'in-list') {
      // One parameter whatever the list's length: SQLite caps a statement's parameters, and the text stays the same.
      text += 'IN (SELECT value FROM json_each(?))';
      values.push(JSON.stringify(value.values));
    }
    // FOR UPDATE and SKIP LOCKED have no text here: a write transaction holds the whole database.
    text += statement.strings[i + 1]!;
  });
  return { text, values };
}

/**
 * The SQL interface over one better-sqlite3 connection. Its calls are synchronous; a transaction here spans awaits, so
 * statements that do not belong to it wait until it ends rather than join it (liteque keeps one async store over
 * SQLite the same way). `BEGIN IMMEDIATE` takes the write lock at once: no other process can make it fail midway.
 */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  readonly #db: Db;
  readonly #prepared = new Map<string, Prepared>();
  /** Settles when the open transaction ends; null while none is open. */
  #open: Promise<void> | null = null;
  /** Per name, when the last holder that asked for it lets go (exclusive). */
  readonly #held = new Map<string, Promise<void>>();
  /** What runs as part of the open transaction, not waiting for it. */
  readonly #inside: Sql;

  readonly #wal: WalSync;
  readonly #syncLater: Prepared;
  readonly #syncNow: Prepared;

  constructor(db: Db) {
    this.#db = db;
    this.#wal = new WalSync(db);
    this.#syncLater = db.prepare('PRAGMA synchronous = NORMAL');
    this.#syncNow = db.prepare('PRAGMA synchronous = FULL');
    this.#inside = {
      engine: 'sqlite',
      all: async (s) => this.#all(s),
      get: async (s) => this.#get(s),
      run: async (s) => this.#run(s),
      insertRows: async (table, columns, rows, tail) => this.#insertRows(table, columns, rows, tail),
      transaction: (work) => work(this.#inside),
      lock: () => Promise.resolve(),
      tryLock: () => Promise.resolve(true),
      announce: () => Promise.resolve(),
      exclusive: (_name, work) => work(this.#inside),
    };
  }

  /** The driver's connection: what only SQLite has (pragmas, the file), for this engine's folder and the tests. */
  get db(): Db {
    return this.#db;
  }

  all<T>(statement: Statement): Promise<T[]> {
    return this.#outside(() => this.#all<T>(statement));
  }

  get<T>(statement: Statement): Promise<T | undefined> {
    return this.#outside(() => this.#get<T>(statement));
  }

  run(statement: Statement): Promise<number> {
    return this.#outside(() => this.#run(statement));
  }

  insertRows(table: string, columns: readonly string[], rows: Rows, tail = ''): Promise<void> {
    return this.#outside(() => this.#insertRows(table, columns, rows, tail));
  }

  /**
   * A group commit (`{ group: true }`) is written with synchronous = NORMAL and made durable by an fdatasync of the log
   * off the event loop (wal-sync.ts) before it resolves; other writers may go on meanwhile. Every other commit is
   * synchronous = FULL: on disk when COMMIT returns.
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    let end!: () => void;
    await this.#outside(() => {
      this.#open = new Promise((resolve) => (end = resolve));
    });
    let result: T;
    try {
      if (options.group) this.#syncLater.run();
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        result = await work(this.#inside);
        this.#db.exec('COMMIT');
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      if (options.group) this.#syncNow.run();
      this.#open = null;
      end();
    }
    if (options.group) await this.#wal.sync();
    return result;
  }

  close(): void {
    this.#wal.close();
    this.#db.close();
  }

  lock(): Promise<void> {
    return Promise.resolve();
  }

  tryLock(): Promise<boolean> {
    return Promise.resolve(true);
  }

  announce(): Promise<void> {
    return Promise.resolve();
  }

  exclusive<T>(name: string, work: (db: Sql) => Promise<T>): Promise<T> {
    const turn = (this.#held.get(name) ?? Promise.resolve()).then(() => work(this));
    const held = turn.then(
      () => undefined,
      () => undefined,
    );
    this.#held.set(name, held);
    void held.then(() => {
      if (this.#held.get(name) === held) this.#held.delete(name);
    });
    return turn;
  }

  /**
   * Runs `now` once no transaction is open, in the same turn as the check: nothing can begin a transaction between
   * them, so a statement never lands in another caller's transaction.
   */
  async #outside<T>(now: () => T): Promise<T> {
    while (this.#open) await this.#open;
    return now();
  }

  #statement(text: string): Prepared {
    let prepared = this.#prepared.get(text);
    if (!prepared) {
      prepared = this.#db.prepare(text);
      this.#prepared.set(text, prepared);
    }
    return prepared;
  }

  #all<T>(statement: Statement): T[] {
    const { text, values } = render(statement);
    return this.#statement(text).all(...values) as T[];
  }

  #get<T>(statement: Statement): T | undefined {
    const { text, values } = render(statement);
    return this.#statement(text).get(...values) as T | undefined;
  }

  #run(statement: Statement): number {
    const { text, values } = render(statement);
    return this.#statement(text).run(...values).changes;
  }

  #insertRows(table: string, columns: readonly string[], rows: Rows, tail = ''): void {
    const insert = this.#statement(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${tail}`);
    for (const row of rows) insert.run(...row);
  }
}
