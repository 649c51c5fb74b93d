import type { Logger } from '../log';
import { tokenRows } from './access-tokens';
import { ApiTokens } from './api-tokens';
import { AuditLog } from './audit-log';
import { ExtensionInventory } from './extensions';
import { IdentityStore } from './identity';
import { FleetStore } from './fleet';
import { OAuthStore } from './oauth';
import { OutboxStore } from './outbox';
import { ReleaseStore, RELEASES_NAME } from './releases';
import type { SecretBox } from './secret-box';
import { SecretStore } from './secrets';
import { DELIVERY_NAME, DeliveryLog, MAIL_SETTINGS_NAME, MailSettingsStore, POLICY_NAME, PolicyStore, type Cached } from './settings';
import { sql, type Sql } from './sql';
import type { SharedSendLimits, Stores } from './stores';

/** What an engine's folder brings: its SQL, and what only it can say. */
export interface Engine {
  readonly name: Stores['engine'];
  readonly sql: Sql;
  /** One relay alone uses the store (SQLite): what it finds running at start-up was its own. */
  readonly alone: boolean;
  /** How often the fleet's versions are counted again, to take in other relays' reports; never when alone. */
  readonly reloadVersionsMs?: number;
  readonly sendLimits?: SharedSendLimits;
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}

/** The stores, and the settings they hold in memory by the name a change to them is announced under. */
export interface OpenStores extends Stores {
  /** Reads the named setting again (another relay announced a change); unknown names are ignored. */
  reload(name: string): Promise<void>;
  /** Reads every setting held in memory again (at open, and when announcements may have been missed). */
  reloadAll(): Promise<void>;
}

/** Builds every store over an engine's SQL. The settings held in memory are empty until reloadAll(). */
export function createStores(engine: Engine, box: SecretBox, logger: Logger): OpenStores {
  const db = engine.sql;
  const secrets = new SecretStore(box);
  const mailSettings = new MailSettingsStore(db, secrets);
  const policy = new PolicyStore(db);
  const deliveryLog = new DeliveryLog(db, logger);
  const releases = new ReleaseStore(db);
  const cached: Record<string, Cached> = { [MAIL_SETTINGS_NAME]: mailSettings, [POLICY_NAME]: policy, [DELIVERY_NAME]: deliveryLog, [RELEASES_NAME]: releases };
  return {
    engine: engine.name,
    mailSettings,
    policy,
    deliveryLog,
    releases,
    oauth: new OAuthStore(db, secrets),
    outbox: new OutboxStore(db, { alone: engine.alone }),
    audit: new AuditLog(db),
    extensions: new ExtensionInventory(db),
    tokenRows: tokenRows(db),
    apiTokens: new ApiTokens(db),
    identity: new IdentityStore(db, secrets),
    openFleet: (options) => new FleetStore(db, { ...options, reloadVersionsMs: engine.reloadVersionsMs }),
    secret: (name) => secrets.get(db, name),
    keepSecret: (name, plaintext) => secrets.put(db, name, plaintext),
    sendLimits: engine.sendLimits,
    ping: async () => {
      await db.get(sql`SELECT 1`);
    },
    sizeBytes: () => engine.sizeBytes(),
    close: () => engine.close(),
    reload: async (name) => {
      await cached[name]?.load();
    },
    reloadAll: async () => {
      await Promise.all(Object.values(cached).map((c) => c.load()));
    },
  };
}
