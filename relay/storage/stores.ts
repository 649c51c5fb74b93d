/**
 * The relay's storage contract: what the routes, the delivery worker and the token manager ask of a store. Each store
 * is written once, against the SQL interface (sql.ts) that either engine answers: SQLite (one relay, embedded, the
 * default) or PostgreSQL (several relays sharing one database).
 *
 * Settings that every request and send reads (the mail settings, the alert policy, the delivery record, the release
 * data) are answered from memory: each relay reads them again when any relay announces a change (settings.ts), so
 * reading them stays synchronous and costs no query.
 */
import type { TokenRows } from './access-tokens';
import type { ApiTokens } from './api-tokens';
import type { AuditLog } from './audit-log';
import type { ExtensionInventory } from './extensions';
import type { IdentityStore } from './identity';
import type { FleetOptions, FleetStore } from './fleet';
import type { OAuthStore } from './oauth';
import type { OutboxStore } from './outbox';
import type { ReleaseStore } from './releases';
import type { DeliveryLog, MailSettingsStore, PolicyStore } from './settings';

/**
 * A provider's per-mailbox limits held with the other relays sharing the store (PostgreSQL): a send holds one of the
 * mailbox's connection slots while its connection lives, and waits for its turn in the mailbox's pace.
 */
export interface SharedSendLimits {
  /** Waits for one of the mailbox's `limit` slots. */
  slot(mailbox: string, limit: number): Promise<SendSlot>;
  /** Waits until this send may go: `intervalMs` after the mailbox's previous send on any relay. */
  turn(mailbox: string, intervalMs: number): Promise<void>;
}

/** A connection slot of a mailbox, leased: renewed while its connection is used, given back when it closes. */
export interface SendSlot {
  /** False when the lease had run out and the slot may be another relay's: the connection must close. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** One engine's stores, opened: what compose.ts builds the relay from. */
export interface Stores {
  readonly engine: 'sqlite' | 'postgres';
  readonly mailSettings: MailSettingsStore;
  readonly policy: PolicyStore;
  readonly deliveryLog: DeliveryLog;
  readonly releases: ReleaseStore;
  readonly oauth: OAuthStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditLog;
  /** The fleet's extensions, read (the fleet's ingest writes them). */
  readonly extensions: ExtensionInventory;
  /** The admin and enrollment tokens' hashes. */
  readonly tokenRows: TokenRows;
  readonly apiTokens: ApiTokens;
  /** How admins sign in with the identity provider, and the sign-ins in progress. */
  readonly identity: IdentityStore;
  /** The fleet, told how new devices are admitted and where the release data is. */
  openFleet(options: FleetOptions): FleetStore;
  /** A sealed secret by name (the enrollment token kept for the policies the relay writes). */
  secret(name: string): Promise<string | null>;
  keepSecret(name: string, plaintext: string): Promise<void>;
  /** A provider's per-mailbox limits, held with the other relays sharing the store; absent on SQLite (one relay). */
  readonly sendLimits?: SharedSendLimits;
  /** Throws the database's reason when it does not answer (readiness). */
  ping(): Promise<void>;
  /** How many bytes the store takes: SQLite's file and log, or PostgreSQL's database. */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
