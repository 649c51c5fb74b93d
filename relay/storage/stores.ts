/**
 * The relay's storage contract: what the routes, the delivery worker and the token manager ask of a store. Each store
 * is written once, against the SQL interface (sql.ts) that either engine answers: SQLite (one relay, embedded, the
 * default) or PostgreSQL (several relays sharing one database).
 *
 * Settings that every request and send reads (the mail settings, the alert policy, the delivery record, the release
 * data) are answered from memory: each relay reads them again when any relay announces a change (settings.ts), so
 * reading them stays synchronous and costs no query.
 */
import type { AlertPolicy, Level } from '../../shared/alert-policy';
import type { AuditEntry } from '../../shared/api';
import type { AlertItem, AlertState, DeviceSummary, LevelCounts, RefusalReason } from '../../shared/fleet';
import type { MailSettings, MailSettingsParsed, MailSettingsView, SecretField } from '../../shared/mail-settings';
import type { ComplianceReport } from '../../shared/report';
import type { ExploitIndex, ExploitedVulnerability, FeedSource, ReleaseFeed, ReleaseIndex } from '../../shared/releases';
import type { ErrorCode } from '../../shared/errors';
import type { IngestResult } from '../domain/ingest';
import type { AlertPayload } from '../domain/judgement';
import type { RefreshFailure } from '../domain/oauth-account';
import type { ReportSignature } from '../domain/report-order';
import type { TokenRows } from './access-tokens';

export type AuditAction =
  | 'mail-settings.updated'
  | 'alert-policy.updated'
  | 'oauth.consent-granted'
  | 'oauth.disconnected'
  | 'oauth.reauthorization-required'
  | 'secret-key.rotated'
  | 'alerts.retried'
  | 'devices.admission-limited'
  | 'device.report-refused'
  | 'device.forgotten'
  | 'deployment.policy-written';

export interface DeliveryRecord {
  lastDeliveredAt: number | null;
  lastFailure: { code: ErrorCode; at: number } | null;
}

export type MailSecrets = Partial<Record<SecretField, string>>;

export interface PendingConsent {
  state: string;
  redirectUri: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface OAuthAccount {
  account: string;
  scope: string;
  connectedAt: number;
  refreshTokenIssuedAt: number;
  accessExpiresAt: number | null;
  lastRefreshAt: number | null;
  lastRefreshError: string | null;
  reauth: { code: string; reason: string } | null;
}

/** The connected account, held against every other relay while a refresh is decided and made (OAuthStorage.withAccountLock). */
export interface LockedAccount {
  account(): Promise<OAuthAccount | null>;
  accessToken(): Promise<string | null>;
  refreshToken(): Promise<string | null>;
  /** Records a successful refresh; a rotated refresh token replaces the stored one, else the old one is kept. */
  refreshed(r: { accessToken: string; accessExpiresAt: number; refreshToken?: string; scope?: string; now: number }): Promise<void>;
  /**
   * Records a failed refresh as the domain judged it (refreshFailure): a lost grant drops both tokens and asks for
   * re-authorization; a passing failure keeps the refresh token and notes the error.
   */
  refreshFailed(failure: RefreshFailure): Promise<void>;
}

export interface OutboxStats {
  /** Alerts waiting: not yet sent nor failed. */
  pending: number;
  failed: number;
  /** How long the oldest waiting alert has been due, across its retries; null when none is due. */
  oldestDueAgeSeconds: number | null;
}

/** A batch of alerts taken by the worker: they go out in one mail, under one Message-ID. */
export interface Batch {
  batchId: string;
  alerts: { id: number; payload: AlertPayload; attempts: number }[];
}

/** What the delivery worker needs of the outbox. */
export interface Outbox {
  claim(now: number, leaseMs: number, maxBatch: number): Promise<Batch | null>;
  sent(batchId: string, now: number): Promise<void>;
  split(batchId: string, now: number): Promise<void>;
  release(batchId: string): Promise<void>;
  retryLater(batchId: string, error: string, retryAt: number): Promise<void>;
  failed(batchId: string, error: string): Promise<void>;
  retryNow(now: number): Promise<number>;
  expire(cutoff: number, lifetime: string): Promise<number>;
}

/** The release feeds, and CISA's catalog of exploited vulnerabilities. */
export type StatusSource = FeedSource | 'kev';

export interface FeedStatus {
  source: StatusSource;
  /** When the copy in use was fetched; null while there is none. */
  fetchedAt: number | null;
  /** The last refusal (code: reason), kept until a good copy replaces it. */
  lastError: string | null;
  lastErrorAt: number | null;
}

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

export interface MailSettingsStorage {
  /** The settings without secrets, or null before the first save. */
  get(): MailSettings | null;
  view(): MailSettingsView | null;
  hasSecret(field: SecretField): boolean;
  /** The decrypted secrets, for the moment of sending only. */
  secrets(): MailSecrets;
  /** Changes with every save (on any relay), so that connections made with older settings can be let go. */
  revision(): number;
  /** Replaces the settings. A secret that is undefined is kept, null clears it, a string replaces it. */
  save(input: MailSettingsParsed): Promise<void>;
}

export interface PolicyStorage {
  get(): AlertPolicy;
  save(policy: AlertPolicy): Promise<void>;
}

export interface DeliveryLogStorage {
  get(): DeliveryRecord;
  /** Recorded in the background: a send never waits for its record. */
  delivered(at: number): void;
  failed(code: ErrorCode, at: number): void;
  /** Writes what was held back (at shutdown). */
  flush(): Promise<void>;
}

export interface ReleaseStorage {
  index(): ReleaseIndex | null;
  exploitIndex(): ExploitIndex | null;
  feeds(): ReleaseFeed[];
  feed(source: FeedSource): ReleaseFeed | null;
  exploited(): ExploitedVulnerability[];
  status(): FeedStatus[];
  save(feed: ReleaseFeed): Promise<void>;
  saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): Promise<void>;
  refused(source: StatusSource, error: string, at: number): Promise<void>;
  /** Reads the store again: another process or relay may have written to it. */
  reload(): Promise<void>;
}

export interface AuditStorage {
  record(action: AuditAction, details: Record<string, unknown>, requestId?: string, at?: number): Promise<void>;
  prune(cutoff: number): Promise<number>;
  list(limit: number): Promise<AuditEntry[]>;
}

export interface OAuthStorage {
  account(): Promise<OAuthAccount | null>;
  accessToken(): Promise<string | null>;
  /** A server refused the access token: the next send refreshes. The refresh token and its health are untouched. */
  dropAccessToken(): Promise<void>;
  /** Runs `work` holding the account against every relay sharing the store; what it records is committed when it resolves. */
  withAccountLock<T>(work: (account: LockedAccount) => Promise<T>): Promise<T>;
  beginConsent(consent: { state: string; redirectUri: string; expiresAt: number; codeVerifier: string }): Promise<void>;
  pendingConsent(): Promise<PendingConsent | null>;
  claimConsent(state: string): Promise<{ codeVerifier: string; redirectUri: string } | null>;
  connect(c: { account: string; scope: string; refreshToken: string; accessToken: string; accessExpiresAt: number; now: number }): Promise<void>;
  refreshToken(): Promise<string | null>;
  disconnect(): Promise<void>;
}

export interface OutboxStorage extends Outbox {
  stats(now: number): Promise<OutboxStats>;
  waitingError(): Promise<string | null>;
  list(limit: number, state?: AlertState): Promise<AlertItem[]>;
  retryFailed(now: number): Promise<number>;
  pruneSent(cutoff: number): Promise<number>;
  /** At start-up: batches a killed process left running. A no-op where relays share the outbox (their leases do it). */
  recoverInterrupted(now: number): Promise<number>;
}

export interface FleetStorage {
  /** Orders, judges (domain/ingest.ts) and stores a report; its promise settles once the report is durable. */
  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signature?: ReportSignature): Promise<IngestResult>;
  deviceKey(deviceId: string): Promise<string | null>;
  forget(deviceId: string): Promise<boolean>;
  /** Notes when a report for the device was last refused, and why; answers whether the device exists. */
  recordRefusal(deviceId: string, reason: RefusalReason, at: number): Promise<boolean>;
  counts(): Promise<LevelCounts>;
  stoppedReporting(staleBefore: number): Promise<number>;
  prune(cutoff: number): Promise<number>;
  devices(limit: number, level?: Level, staleBefore?: number): Promise<DeviceSummary[]>;
  close(): void;
}

export interface FleetOptions {
  /** 0 to let a device the relay has never seen in, else how long it must wait. */
  admit?: (now: number) => number;
  releases?: () => ReleaseIndex | null;
  exploited?: () => ExploitIndex | null;
}

/** One engine's stores, opened: what compose.ts builds the relay from. */
export interface Stores {
  readonly engine: 'sqlite' | 'postgres';
  readonly mailSettings: MailSettingsStorage;
  readonly policy: PolicyStorage;
  readonly deliveryLog: DeliveryLogStorage;
  readonly releases: ReleaseStorage;
  readonly oauth: OAuthStorage;
  readonly outbox: OutboxStorage;
  readonly audit: AuditStorage;
  /** The admin and enrollment tokens' hashes. */
  readonly tokenRows: TokenRows;
  /** The fleet, told how new devices are admitted and where the release data is. */
  openFleet(options: FleetOptions): FleetStorage;
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
