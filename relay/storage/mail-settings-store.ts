import { SECRET_FIELDS, type MailSettings, type MailSettingsParsed, type MailSettingsView, type SecretField } from '../../shared/mail-settings';
import type { Db } from './db';
import type { MailSecrets, MailSettingsStorage } from './stores';
import type { SecretStore } from './secret-store';

export const MAIL_SETTINGS_NAME = 'mail';
export const secretName = (field: SecretField) => `mail.${field}`;

const STORED_DEFAULTS: Pick<MailSettings, 'transport' | 'oauthGrant' | 'apiUrl' | 'clientCertificate'> = { transport: 'smtp', oauthGrant: 'authorization_code', apiUrl: '', clientCertificate: '' };

/** The settings as stored, on either engine: those saved before a field existed read as that field's default. */
export function readMailSettings(json: string): MailSettings {
  return Object.freeze({ ...STORED_DEFAULTS, ...(JSON.parse(json) as Partial<MailSettings>) } as MailSettings);
}

/** What is stored as JSON: every field but the secrets, which are sealed apart. */
export function plainFields(input: MailSettingsParsed): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([key]) => !(SECRET_FIELDS as readonly string[]).includes(key)));
}

/** The mail settings: plain fields as JSON, secrets sealed in the secret store, both written in one transaction. */
export class MailSettingsStore implements MailSettingsStorage {
  readonly #db: Db;
  readonly #secrets: SecretStore;
  #revision = 0;
  /** The settings as last read, for the revision they were read at: every send and outbox pass asks for them. */
  #read: { revision: number; settings: MailSettings | null } | null = null;

  constructor(db: Db, secrets: SecretStore) {
    this.#db = db;
    this.#secrets = secrets;
  }

  /** The settings without secrets, or null before the first save. */
  get(): MailSettings | null {
    if (this.#read?.revision === this.#revision) return this.#read.settings;
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(MAIL_SETTINGS_NAME) as { value: string } | undefined;
    const settings = row ? readMailSettings(row.value) : null;
    this.#read = { revision: this.#revision, settings };
    return settings;
  }

  view(): MailSettingsView | null {
    const settings = this.get();
    if (!settings) return null;
    const secretsSet = Object.fromEntries(SECRET_FIELDS.map((f) => [f, this.#secrets.has(secretName(f))])) as Record<SecretField, boolean>;
    return { ...settings, secretsSet };
  }

  hasSecret(field: SecretField): boolean {
    return this.#secrets.has(secretName(field));
  }

  /** The decrypted secrets, for the moment of sending only. */
  secrets(): MailSecrets {
    const out: MailSecrets = {};
    for (const f of SECRET_FIELDS) {
      const value = this.#secrets.get(secretName(f));
      if (value !== null) out[f] = value;
    }
    return out;
  }

  /** Changes with every save, so that connections made with older settings can be let go. */
  revision(): number {
    return this.#revision;
  }

  /** Replaces the settings. A secret that is undefined is kept, null clears it, a string replaces it. */
  save(input: MailSettingsParsed): void {
    const plain = plainFields(input);
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(MAIL_SETTINGS_NAME, JSON.stringify(plain), new Date().toISOString());
      for (const f of SECRET_FIELDS) {
        const value = input[f];
        if (value === null) this.#secrets.delete(secretName(f));
        else if (value !== undefined) this.#secrets.put(secretName(f), value);
      }
    })();
    this.#revision++;
  }
}
