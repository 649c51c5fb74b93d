import * as v from 'valibot';
import { AlertPolicy, DEFAULT_POLICY } from '../../shared/alert-policy';
import type { ErrorCode } from '../../shared/errors';
import { SECRET_FIELDS, type MailSettings, type MailSettingsParsed, type MailSettingsView, type SecretField } from '../../shared/mail-settings';
import type { Logger } from '../log';
import type { Sealed } from './secret-box';
import type { SecretStore } from './secrets';
import { forUpdate, sql, type Sql } from './sql';

export interface DeliveryRecord {
  lastDeliveredAt: number | null;
  lastFailure: { code: ErrorCode; at: number } | null;
}

export type MailSecrets = Partial<Record<SecretField, string>>;

/**
 * The settings every request and send reads, held in memory and answered without a query. load() reads the store: at
 * open, after each save, and where relays share the store, whenever any of them announces a change to the setting's
 * name (postgres/listen.ts), so an admin's change on one relay holds on every relay within the moment a notification
 * takes.
 */
export interface Cached {
  load(): Promise<void>;
}

/** The names settings are stored and announced under. */
export const MAIL_SETTINGS_NAME = 'mail';
export const POLICY_NAME = 'alert-policy';
export const DELIVERY_NAME = 'delivery';

const secretName = (field: SecretField) => `mail.${field}`;

/** Writes a named setting as JSON and announces it, in the caller's transaction. */
export async function writeSetting(tx: Sql, name: string, value: unknown): Promise<void> {
  await tx.run(
    sql`INSERT INTO settings (name, value, updated_at) VALUES (${name}, ${JSON.stringify(value)}, ${new Date().toISOString()})
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  await tx.announce(name);
}

/** A named setting's JSON, or undefined before the first save. */
export async function readSetting(db: Sql, name: string): Promise<string | undefined> {
  return (await db.get<{ value: string }>(sql`SELECT value FROM settings WHERE name = ${name}`))?.value;
}

const STORED_DEFAULTS: Pick<MailSettings, 'transport' | 'oauthGrant' | 'apiUrl' | 'clientCertificate'> = {
  transport: 'smtp',
  oauthGrant: 'authorization_code',
  apiUrl: '',
  clientCertificate: '',
};

/** The settings as stored: those saved before a field existed read as that field's default. */
function readMailSettings(json: string): MailSettings {
  return Object.freeze({ ...STORED_DEFAULTS, ...(JSON.parse(json) as Partial<MailSettings>) } as MailSettings);
}

/** What is stored as JSON: every field but the secrets, which are sealed apart. */
function plainFields(input: MailSettingsParsed): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([key]) => !(SECRET_FIELDS as readonly string[]).includes(key)));
}

/** The mail settings: plain fields as JSON, secrets sealed apart, both written in one transaction; held sealed, opened only when asked for. */
export class MailSettingsStore implements Cached {
  readonly #sql: Sql;
  readonly #secrets: SecretStore;
  #settings: MailSettings | null = null;
  #sealed = new Map<string, Sealed>();
  #fingerprint = '';
  #revision = 0;

  constructor(sql: Sql, secrets: SecretStore) {
    this.#sql = sql;
    this.#secrets = secrets;
  }

  async load(): Promise<void> {
    const [json, sealed] = await Promise.all([readSetting(this.#sql, MAIL_SETTINGS_NAME), this.#secrets.sealed(this.#sql, SECRET_FIELDS.map(secretName))]);
    const fingerprint = JSON.stringify([json ?? null, [...sealed].map(([name, s]) => [name, s.ciphertext.toString('base64')]).sort()]);
    // A reload that finds what is held (a relay's own save, announced back to it) keeps the revision and the pool.
    if (fingerprint === this.#fingerprint) return;
    this.#settings = json === undefined ? null : readMailSettings(json);
    this.#sealed = sealed;
    this.#fingerprint = fingerprint;
    this.#revision++;
  }

  /** The settings without secrets, or null before the first save. */
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

  /** The decrypted secrets, for the moment of sending only. */
  secrets(): MailSecrets {
    const out: MailSecrets = {};
    for (const f of SECRET_FIELDS) {
      const sealed = this.#sealed.get(secretName(f));
      if (sealed) out[f] = this.#secrets.open(sealed, secretName(f));
    }
    return out;
  }

  /** Changes with every save (on any relay), so that connections made with older settings can be let go. */
  revision(): number {
    return this.#revision;
  }

  /** Replaces the settings. A secret that is undefined is kept, null clears it, a string replaces it. */
  async save(input: MailSettingsParsed): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await writeSetting(tx, MAIL_SETTINGS_NAME, plainFields(input));
      for (const f of SECRET_FIELDS) {
        const value = input[f];
        if (value === null) await this.#secrets.delete(tx, secretName(f));
        else if (value !== undefined) await this.#secrets.put(tx, secretName(f), value);
      }
    });
    await this.load();
  }
}

/** A stored policy, re-validated when read: one saved by an older relay gets the defaults of fields added since. */
const readPolicy = (json: string): AlertPolicy => v.parse(AlertPolicy, JSON.parse(json));

/** The alert policy, as JSON in the settings table; the default until an admin saves one. */
export class PolicyStore implements Cached {
  readonly #sql: Sql;
  #policy: AlertPolicy = DEFAULT_POLICY;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async load(): Promise<void> {
    const json = await readSetting(this.#sql, POLICY_NAME);
    this.#policy = json === undefined ? DEFAULT_POLICY : readPolicy(json);
  }

  get(): AlertPolicy {
    return this.#policy;
  }

  async save(policy: AlertPolicy): Promise<void> {
    await this.#sql.transaction((tx) => writeSetting(tx, POLICY_NAME, policy));
    this.#policy = policy;
  }
}

const NO_DELIVERY: DeliveryRecord = { lastDeliveredAt: null, lastFailure: null };

/** Two relays' records as one: the latest delivery and the latest failure of either. */
function mergeDeliveries(a: DeliveryRecord, b: DeliveryRecord): DeliveryRecord {
  const delivered = Math.max(a.lastDeliveredAt ?? -Infinity, b.lastDeliveredAt ?? -Infinity);
  const failure = (a.lastFailure?.at ?? -Infinity) >= (b.lastFailure?.at ?? -Infinity) ? a.lastFailure : b.lastFailure;
  return { lastDeliveredAt: Number.isFinite(delivered) ? delivered : null, lastFailure: failure };
}

/** Successes are written at most this often: the time of the last delivery is for people, not worth a disk flush per mail. */
const WRITE_EVERY_MS = 5_000;

/**
 * The outcome of the latest sends, for the admin's status panel: the latest delivery and failure of any relay. Each
 * relay records its own sends (a success at most every few seconds), merged into the stored record under its row
 * lock, so one relay's success does not hide another's failure.
 */
export class DeliveryLog implements Cached {
  readonly #sql: Sql;
  readonly #logger: Logger;
  #current: DeliveryRecord = NO_DELIVERY;
  #writtenAt = 0;

  constructor(sql: Sql, logger: Logger) {
    this.#sql = sql;
    this.#logger = logger;
  }

  async load(): Promise<void> {
    const json = await readSetting(this.#sql, DELIVERY_NAME);
    if (json !== undefined) this.#current = mergeDeliveries(this.#current, JSON.parse(json) as DeliveryRecord);
  }

  get(): DeliveryRecord {
    return this.#current;
  }

  /** Recorded in the background: a send never waits for its record. */
  delivered(at: number): void {
    this.#current = { ...this.#current, lastDeliveredAt: at };
    if (at - this.#writtenAt >= WRITE_EVERY_MS) this.#write(at);
  }

  failed(code: ErrorCode, at: number): void {
    this.#current = { ...this.#current, lastFailure: { code, at } };
    this.#write(at);
  }

  /** Writes what was held back (at shutdown). */
  flush(): Promise<void> {
    return this.#put(this.#current);
  }

  /** In the background: a send is not held for its record, and a record lost to an outage is only the status line's. */
  #write(at: number): void {
    this.#writtenAt = at;
    this.#put(this.#current).catch((err: unknown) => this.#logger.warn({ err }, 'the last delivery could not be recorded'));
  }

  async #put(record: DeliveryRecord): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      // The row must exist before it can be locked: two relays writing the first record would both find none to lock,
      // and the second's write would replace the first's (a lost update). An insert that meets another's uncommitted
      // row waits for it, so the lock below is taken in turn.
      await tx.run(
        sql`INSERT INTO settings (name, value, updated_at) VALUES (${DELIVERY_NAME}, ${JSON.stringify(NO_DELIVERY)}, ${new Date().toISOString()}) ON CONFLICT (name) DO NOTHING`,
      );
      const stored = await tx.get<{ value: string }>(sql`SELECT value FROM settings WHERE name = ${DELIVERY_NAME} ${forUpdate}`);
      await writeSetting(tx, DELIVERY_NAME, stored ? mergeDeliveries(record, JSON.parse(stored.value) as DeliveryRecord) : record);
    });
  }
}
