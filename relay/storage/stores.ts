/**
 * The relay's storage contract: what the routes, the delivery worker and the token manager ask of a store, on either
 * engine. SQLite (one relay, embedded, the default) answers at once; PostgreSQL (several relays sharing one database)
 * answers with promises. Callers await every answer that may be a promise.
 *
 * Settings that every request and send reads (the mail settings, the alert policy, the delivery record, the release
 * data) are answered from memory on both engines: on PostgreSQL each relay reloads them when any relay announces a
 * change (postgres/settings.ts), so reading them stays synchronous and costs no query.
 */
import type { AlertPolicy, Level } from '../../shared/alert-policy';
import type { AuditEntry } from '../../shared/api';
import type { AlertItem, AlertState, DeviceSummary, LevelCounts, RefusalReason } from '../../shared/fleet';
import type { MailSettings, MailSettingsParsed, MailSettingsView, SecretField } from '../../shared/mail-settings';
import type { ComplianceReport } from '../../shared/report';
import type { ExploitIndex, ExploitedVulnerability, FeedSource, ReleaseFeed, ReleaseIndex } from '../../shared/releases';
import type { ErrorCode } from '../../shared/errors';
import type { Verdict } from '../../shared/checks/index';
import type { AlertPayload } from '../domain/judgement';
import type { RefreshFailure } from '../domain/oauth-account';
import type { ReportSignature } from '../domain/report-order';
import type { TokenRows } from './access-tokens';
import type { Awaitable } from './db';

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

export interface IngestResult {
  verdict: Verdict;
  duplicate: boolean;
  alerted: boolean;
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

/** What a provider's refresh answers, as a store records it. */
export interface RefreshedTokens {
  accessToken: string;
  expiresInSeconds: number;
  /** A rotated refresh token (Microsoft rotates); absent when the old one stays valid (Google). */
  refreshToken?: string;
  scope?: string;
}

/** An access token to send with, or why there is none. */
export type RefreshOutcome =
  | { kind: 'token'; account: string; accessToken: string; expiresAt: number; refreshed: boolean }
  | { kind: 'not-connected' }
  | { kind: 'reauth'; reason: string };

/**
 * What the token manager needs of the connected account, on either engine: this SQLite store, or the PostgreSQL one
 * (postgres/oauth.ts) that several relays share and refresh under a row lock.
 */
export interface OAuthAccounts {
  account(): Awaitable<OAuthAccount | null>;
  accessToken(): Awaitable<string | null>;
  /** A server refused the access token: the next send refreshes. The refresh token and its health are untouched. */
  dropAccessToken(): Awaitable<void>;
  /**
   * The access token, refreshed first unless `fresh(expiresAt)` says it serves; a failed refresh is recorded as
   * `judge` says and thrown.
   */
  refreshOnce(now: () => number, fresh: (expiresAt: number) => boolean, refresh: (refreshToken: string) => Promise<RefreshedTokens>, judge: (err: unknown) => RefreshFailure): Promise<RefreshOutcome>;
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

/**
 * What the delivery worker needs of an outbox, on either engine: this SQLite store answers at once, the PostgreSQL one
 * (postgres/outbox.ts), shared by several relays, with promises.
 */
export interface Outbox {
  claim(now: number, leaseMs: number, maxBatch: number): Awaitable<Batch | null>;
  sent(batchId: string, now: number): Awaitable<void>;
  split(batchId: string, now: number): Awaitable<void>;
  release(batchId: string): Awaitable<void>;
  retryLater(batchId: string, error: string, retryAt: number): Awaitable<void>;
  failed(batchId: string, error: string): Awaitable<void>;
  retryNow(now: number): Awaitable<number>;
  expire(cutoff: number, lifetime: string): Awaitable<number>;
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
  save(input: MailSettingsParsed): Awaitable<void>;
}

export interface PolicyStorage {
  get(): AlertPolicy;
  save(policy: AlertPolicy): Awaitable<void>;
}

export interface DeliveryLogStorage {
  get(): DeliveryRecord;
  /** Recorded in the background: a send never waits for its record. */
  delivered(at: number): void;
  failed(code: ErrorCode, at: number): void;
  /** Writes what was held back (at shutdown). */
  flush(): Awaitable<void>;
}

export interface ReleaseStorage {
  index(): ReleaseIndex | null;
  exploitIndex(): ExploitIndex | null;
  feeds(): ReleaseFeed[];
  feed(source: FeedSource): ReleaseFeed | null;
  exploited(): ExploitedVulnerability[];
  status(): FeedStatus[];
  save(feed: ReleaseFeed): Awaitable<void>;
  saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): Awaitable<void>;
  refused(source: StatusSource, error: string, at: number): Awaitable<void>;
  /** Reads the store again: another process or relay may have written to it. */
  reload(): Awaitable<void>;
}

export interface AuditStorage {
  record(action: AuditAction, details: Record<string, unknown>, requestId?: string, at?: number): Awaitable<void>;
  prune(cutoff: number): Awaitable<number>;
  list(limit: number): Awaitable<AuditEntry[]>;
}

export interface OAuthStorage extends OAuthAccounts {
  beginConsent(consent: { state: string; redirectUri: string; expiresAt: number; codeVerifier: string }): Awaitable<void>;
  pendingConsent(): Awaitable<PendingConsent | null>;
  claimConsent(state: string): Awaitable<{ codeVerifier: string; redirectUri: string } | null>;
  connect(c: { account: string; scope: string; refreshToken: string; accessToken: string; accessExpiresAt: number; now: number }): Awaitable<void>;
  refreshToken(): Awaitable<string | null>;
  disconnect(): Awaitable<void>;
}

export interface OutboxStorage extends Outbox {
  stats(now: number): Awaitable<OutboxStats>;
  waitingError(): Awaitable<string | null>;
  list(limit: number, state?: AlertState): Awaitable<AlertItem[]>;
  retryFailed(now: number): Awaitable<number>;
  pruneSent(cutoff: number): Awaitable<number>;
  /** At start-up: batches a killed process left running. A no-op where relays share the outbox (their leases do it). */
  recoverInterrupted(now: number): Awaitable<number>;
}

export interface FleetStorage {
  /** Orders (domain/report-order.ts), judges and stores a report; its promise settles once the report is durable. */
  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signature?: ReportSignature): Promise<IngestResult>;
  deviceKey(deviceId: string): Awaitable<string | null>;
  forget(deviceId: string): Awaitable<boolean>;
  /** Notes when a report for the device was last refused, and why; answers whether the device exists. */
  recordRefusal(deviceId: string, reason: RefusalReason, at: number): Awaitable<boolean>;
  counts(): Awaitable<LevelCounts>;
  stoppedReporting(staleBefore: number): Awaitable<number>;
  prune(cutoff: number): Awaitable<number>;
  devices(limit: number, level?: Level, staleBefore?: number): Awaitable<DeviceSummary[]>;
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
  secret(name: string): Awaitable<string | null>;
  keepSecret(name: string, plaintext: string): Awaitable<void>;
  /** A provider's per-mailbox limits, held with the other relays sharing the store; absent on SQLite (one relay). */
  readonly sendLimits?: SharedSendLimits;
  /** Throws the database's reason when it does not answer (readiness). */
  ping(): Awaitable<void>;
  /** How many bytes the store takes: SQLite's file and log, or PostgreSQL's database. */
  sizeBytes(): Awaitable<number>;
  close(): Awaitable<void>;
}
