import type { Pool } from 'pg';
import { DEFAULT_POLICY, type AlertPolicy } from '../../../shared/alert-policy';
import type { ErrorCode } from '../../../shared/errors';
import { SECRET_FIELDS, type MailSettings, type MailSettingsParsed, type MailSettingsView, type SecretField } from '../../../shared/mail-settings';
import type { ExploitedVulnerability, ExploitIndex, FeedSource, ReleaseFeed, ReleaseIndex } from '../../../shared/releases';
import type { Logger } from '../../log';
import { DELIVERY_NAME, mergeDeliveries, NO_DELIVERY, WRITE_EVERY_MS } from '../delivery-log';
import { MAIL_SETTINGS_NAME, plainFields, readMailSettings, secretName } from '../mail-settings-store';
import { POLICY_NAME, readPolicy } from '../policy-store';
import { exploitedOf, feedsOf, indexesOf, RELEASE_ROWS, statusOf, storedRanges, type ExploitedRow, type ReleaseRow } from '../release-store';
import type { Sealed, SecretBox } from '../secret-box';
import type { DeliveryLogStorage, DeliveryRecord, FeedStatus, MailSecrets, MailSettingsStorage, PolicyStorage, ReleaseStorage, StatusSource } from '../stores';
import { PostgresSecrets } from './oauth';
import { transaction } from './pool';
import { announce, writeSetting } from './settings';

/**
 * The settings every request and send reads, held in memory by each relay and read again when any relay announces a
 * change (settings.ts): reading them costs no query, and an admin's change on one relay holds on every relay within
 * the moment a notification takes. load() reads the store; postgres/stores.ts calls it at start, on each announcement
 * of the setting's name, and after the connection it listens on comes back.
 */
export interface Cached {
  load(): Promise<void>;
}

/** The names a change is announced under. */
export const RELEASES_NAME = 'releases';

/** The mail settings, with their secrets held sealed and opened only when asked for. */
export class PostgresMailSettings implements MailSettingsStorage, Cached {
  readonly #pool: Pool;
  readonly #box: SecretBox;
  #settings: MailSettings | null = null;
  #sealed = new Map<string, Sealed>();
  #fingerprint = '';
  #revision = 0;

  constructor(pool: Pool, box: SecretBox) {
    this.#pool = pool;
    this.#box = box;
  }

  async load(): Promise<void> {
    const [settings, secrets] = await Promise.all([
      this.#pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [MAIL_SETTINGS_NAME]),
      this.#pool.query<{ name: string; key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }>('SELECT name, key_id, iv, ciphertext, tag FROM secrets WHERE name = ANY($1)', [
        SECRET_FIELDS.map(secretName),
      ]),
    ]);
    const json = settings.rows[0]?.value ?? null;
    const fingerprint = JSON.stringify([json, secrets.rows.map((r) => [r.name, r.ciphertext.toString('base64')]).sort()]);
    // A reload that finds what is held (a relay's own save, announced back to it) keeps the revision and the pool.
    if (fingerprint === this.#fingerprint) return;
    this.#settings = json === null ? null : readMailSettings(json);
    this.#sealed = new Map(secrets.rows.map((r) => [r.name, { keyId: r.key_id, iv: r.iv, ciphertext: r.ciphertext, tag: r.tag }]));
    this.#fingerprint = fingerprint;
    this.#revision++;
  }

  get(): MailSettings | null {
    return this.#settings;
  }

  view(): MailSettingsView | null {
    if (!this.#settings) return null;
    const secretsSet = Object.fromEntries(SECRET_FIELDS.map((f) => [f, this.hasSecret(f)])) as Record<SecretField, boolean>;
    return { ...this.#settings, secretsSet };
  }

  hasSecret(field: SecretField): boolean {
    return this.#sealed.has(secretName(field));
  }

  secrets(): MailSecrets {
    const out: MailSecrets = {};
    for (const f of SECRET_FIELDS) {
      const sealed = this.#sealed.get(secretName(f));
      if (sealed) out[f] = this.#box.open(sealed, secretName(f));
    }
    return out;
  }

  revision(): number {
    return this.#revision;
  }

  async save(input: MailSettingsParsed): Promise<void> {
    const secrets = new PostgresSecrets(this.#box);
    await transaction(this.#pool, async (client) => {
      await writeSetting(client, MAIL_SETTINGS_NAME, plainFields(input));
      for (const f of SECRET_FIELDS) {
        const value = input[f];
        if (value === null) await secrets.delete(client, secretName(f));
        else if (value !== undefined) await secrets.put(client, secretName(f), value);
      }
    });
    await this.load();
  }
}

export class PostgresPolicy implements PolicyStorage, Cached {
  readonly #pool: Pool;
  #policy: AlertPolicy = DEFAULT_POLICY;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async load(): Promise<void> {
    const { rows } = await this.#pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [POLICY_NAME]);
    this.#policy = rows[0] ? readPolicy(rows[0].value) : DEFAULT_POLICY;
  }

  get(): AlertPolicy {
    return this.#policy;
  }

  async save(policy: AlertPolicy): Promise<void> {
    await transaction(this.#pool, (client) => writeSetting(client, POLICY_NAME, policy));
    this.#policy = policy;
  }
}

/**
 * The latest delivery and failure of any relay. Each relay records its own sends (a success at most every few seconds,
 * as on SQLite) merged into the stored record under its row lock, so one relay's success does not hide another's
 * failure; the status panel on any relay shows the latest of all.
 */
export class PostgresDeliveryLog implements DeliveryLogStorage, Cached {
  readonly #pool: Pool;
  readonly #logger: Logger;
  #current: DeliveryRecord = NO_DELIVERY;
  #writtenAt = 0;

  constructor(pool: Pool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  async load(): Promise<void> {
    const { rows } = await this.#pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [DELIVERY_NAME]);
    if (rows[0]) this.#current = mergeDeliveries(this.#current, JSON.parse(rows[0].value) as DeliveryRecord);
  }

  get(): DeliveryRecord {
    return this.#current;
  }

  delivered(at: number): void {
    this.#current = { ...this.#current, lastDeliveredAt: at };
    if (at - this.#writtenAt >= WRITE_EVERY_MS) this.#write(at);
  }

  failed(code: ErrorCode, at: number): void {
    this.#current = { ...this.#current, lastFailure: { code, at } };
    this.#write(at);
  }

  flush(): Promise<void> {
    return this.#put(this.#current);
  }

  /** In the background: a send is not held for its record, and a record lost to an outage is only the status line's. */
  #write(at: number): void {
    this.#writtenAt = at;
    this.#put(this.#current).catch((err: unknown) => this.#logger.warn({ err }, 'the last delivery could not be recorded'));
  }

  async #put(record: DeliveryRecord): Promise<void> {
    await transaction(this.#pool, async (client) => {
      // The row must exist before it can be locked: two relays writing the first record both found none to lock, and
      // the second's write replaced the first's (a lost update, seen as a flaky test). An insert that meets another's
      // uncommitted row waits for it, so the lock below is taken in turn.
      await client.query('INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
        DELIVERY_NAME,
        JSON.stringify(NO_DELIVERY),
        new Date().toISOString(),
      ]);
      const { rows } = await client.query<{ value: string }>('SELECT value FROM settings WHERE name = $1 FOR UPDATE', [DELIVERY_NAME]);
      const merged = rows[0] ? mergeDeliveries(record, JSON.parse(rows[0].value) as DeliveryRecord) : record;
      await writeSetting(client, DELIVERY_NAME, merged);
    });
  }
}

/** The vendors' release data and the exploited-vulnerability catalog, with the indexes built from them. */
export class PostgresReleases implements ReleaseStorage, Cached {
  readonly #pool: Pool;
  #rows: ReleaseRow[] = [];
  #exploited: ExploitedVulnerability[] = [];
  #index: ReleaseIndex | null = null;
  #exploits: ExploitIndex | null = null;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async load(): Promise<void> {
    const [feeds, exploited] = await Promise.all([
      this.#pool.query<ReleaseRow>(RELEASE_ROWS),
      this.#pool.query<ExploitedRow>('SELECT cve, date_added, ranges FROM exploited ORDER BY cve'),
    ]);
    this.#rows = feeds.rows;
    this.#exploited = exploitedOf(exploited.rows);
    ({ index: this.#index, exploits: this.#exploits } = indexesOf(this.#rows, () => this.#exploited));
  }

  reload(): Promise<void> {
    return this.load();
  }

  index(): ReleaseIndex | null {
    return this.#index;
  }

  exploitIndex(): ExploitIndex | null {
    return this.#exploits;
  }

  feeds(): ReleaseFeed[] {
    return feedsOf(this.#rows);
  }

  feed(source: FeedSource): ReleaseFeed | null {
    return this.feeds().find((f) => f.source === source) ?? null;
  }

  exploited(): ExploitedVulnerability[] {
    return this.#exploited;
  }

  status(): FeedStatus[] {
    return statusOf(this.#rows);
  }

  async save(feed: ReleaseFeed): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query(
        `INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES ($1, $2, $3, NULL, NULL)
         ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, channels = excluded.channels, last_error = NULL, last_error_at = NULL`,
        [feed.source, feed.fetchedAt, JSON.stringify(feed.channels)],
      );
      await announce(client, RELEASES_NAME);
    });
    await this.load();
  }

  async saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query('DELETE FROM exploited');
      await client.query('INSERT INTO exploited (cve, date_added, ranges) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
        vulnerabilities.map((v) => v.cve),
        vulnerabilities.map((v) => v.dateAdded),
        vulnerabilities.map(storedRanges),
      ]);
      await client.query(
        `INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES ('kev', $1, NULL, NULL, NULL)
         ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, last_error = NULL, last_error_at = NULL`,
        [fetchedAt],
      );
      await announce(client, RELEASES_NAME);
    });
    await this.load();
  }

  async refused(source: StatusSource, error: string, at: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query(
        `INSERT INTO release_feeds (source, last_error, last_error_at) VALUES ($1, $2, $3)
         ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
        [source, error, at],
      );
      await announce(client, RELEASES_NAME);
    });
    await this.load();
  }
}
