/**
 * The one SQL interface every store is written against, whichever engine answers it (sqlite/ or postgres/). A store
 * writes a statement once, with `sql` and its values inline; each engine renders the placeholders its driver takes
 * (`?` or `$1`) and the few fragments whose text differs (`inList`, `forUpdate`, `skipLocked`); `constant` splices text the code itself wrote.
 *
 * Why not a query builder such as Kysely: every statement here is fixed text, so a builder's work per query (building
 * and compiling a tree) would be pure cost on the ingest path, where SQLite's answer takes microseconds; the stores
 * need placeholders and four fragments, not a dialect-neutral language.
 */

/** What a statement's value may be, on both drivers. Booleans are not among them: SQLite has none; pass 1 or 0. */
export type Param = string | number | bigint | Buffer | null;

/** A piece of SQL whose text each engine writes its own way, with the values it binds. */
export interface Fragment {
  readonly fragment: 'in-list' | 'for-update' | 'skip-locked' | 'constant';
  readonly values?: readonly Param[];
  readonly text?: string;
}

/** A statement: its fixed text around its values, as a tagged template gives them. */
export interface Statement {
  readonly strings: readonly string[];
  readonly values: readonly (Param | Fragment)[];
}

/** A statement, its values bound by the engine, never spliced into the text. */
export function sql(strings: TemplateStringsArray, ...values: (Param | Fragment)[]): Statement {
  return { strings, values };
}

/** `column ${inList(values)}`: whether the column's value is one of `values` (`IN (...)` or `= ANY(...)`). */
export const inList = (values: readonly Param[]): Fragment => ({ fragment: 'in-list', values });
/** Locks the rows a SELECT reads until the transaction ends, where the engine has row locks (PostgreSQL). */
export const forUpdate: Fragment = { fragment: 'for-update' };
/** As forUpdate, skipping rows another transaction holds. */
export const skipLocked: Fragment = { fragment: 'skip-locked' };

/** Text written in the code (never from input), spliced as it is: an expression built from a constant list. */
export const constant = (text: string): Fragment => ({ fragment: 'constant', text });

export const isFragment = (value: Param | Fragment): value is Fragment => value !== null && typeof value === 'object' && 'fragment' in value;

/** Rows for `insertRows`: one array of values per row, in the order of its columns. */
export type Rows = readonly (readonly Param[])[];

export interface TransactionOptions {
  /**
   * Many callers' writes share this commit (the fleet's group commit): SQLite makes it durable off the event loop
   * before it resolves (sqlite/wal-sync.ts); PostgreSQL's commits are durable as they are.
   */
  group?: boolean;
}

/**
 * A database, or one transaction in it. On SQLite every answer is ready at once (one connection); on PostgreSQL it
 * comes from a pool, or from the transaction's own connection.
 */
export interface Sql {
  readonly engine: 'sqlite' | 'postgres';
  all<T>(statement: Statement): Promise<T[]>;
  get<T>(statement: Statement): Promise<T | undefined>;
  /** Answers how many rows the statement changed. */
  run(statement: Statement): Promise<number>;
  /**
   * `INSERT INTO table (columns) VALUES ... <tail>` for many rows: one statement per row on SQLite (one prepared
   * statement, the fastest there), a few multi-row statements on PostgreSQL (one round trip each).
   */
  insertRows(table: string, columns: readonly string[], rows: Rows, tail?: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Nested calls join it. */
  transaction<T>(work: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Within a transaction, waits for the lock named `name` until the transaction ends, so that relays sharing the
   * store take turns (PostgreSQL's advisory locks). One relay on SQLite already writes alone: it answers at once.
   */
  lock(name: string): Promise<void>;
  /** As lock, without waiting: false when another transaction holds it. */
  tryLock(name: string): Promise<boolean>;
  /**
   * Runs `work` holding `name` against every other holder, on every relay sharing the store, for as long as it runs,
   * network calls included. PostgreSQL: in a transaction of its own under an advisory lock, committed when `work`
   * resolves. SQLite: in turn with this relay's other holders, outside any transaction, so the database is not held
   * meanwhile.
   */
  exclusive<T>(name: string, work: (db: Sql) => Promise<T>): Promise<T>;
  /** Tells the other relays sharing the store that the setting `name` changed, once the transaction commits. */
  announce(name: string): Promise<void>;
}

/** Statements one after the other as one, `separator` between them: a WHERE made of the filters a request names. */
export function joined(parts: readonly Statement[], separator = ''): Statement {
  const strings: string[] = [];
  const values: (Param | Fragment)[] = [];
  let open = '';
  parts.forEach((part, i) => {
    open += (i > 0 ? separator : '') + part.strings[0]!;
    part.values.forEach((value, j) => {
      strings.push(open);
      values.push(value);
      open = part.strings[j + 1]!;
    });
  });
  strings.push(open);
  return { strings, values };
}

/** Text written in the code around a statement: `WHERE ${...}` without a fragment for each piece. */
export const wrapped = (before: string, inner: Statement, after = ''): Statement =>
  joined([{ strings: [before], values: [] }, inner, { strings: [after], values: [] }]);
