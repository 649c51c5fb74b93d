/**
 * What the routes are given: the stores, the delivery parts and the settings the composition root (compose.ts) wires
 * together. Its own module so that routes depend on these types, not on the app that mounts them.
 */
import type { ApiTokens } from './storage/api-tokens';
import type { MailSender } from './delivery/mail-sender';
import type { OAuthClientOptions } from './delivery/oauth-client';
import type { OutboxWorker } from './delivery/outbox-worker';
import type { Episodes } from './domain/episodes';
import type { Retention } from './domain/retention';
import type { DeliveryTimes } from './domain/retry';
import type { RateLimiter } from './domain/rate-limit';
import type { TokenManager } from './delivery/token-manager';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { AccessTokens } from './storage/access-tokens';
import type { FeedOptions, FeedRefresher } from './feeds/refresh';
import type { FleetExtension } from './extension/fleet-extension';
import type { StoreWatch } from './store-watch';
import type { AuthThrottle, RefusalAudit } from './http/auth';
import type { NotifyOwners } from './delivery/owner-notice';
import type { OidcClient } from './sign-in/oidc-client';
import type { IdentityStore } from './storage/identity';
import type { AuditLog } from './storage/audit-log';
import type { FleetStore } from './storage/fleet';
import type { OAuthStore } from './storage/oauth';
import type { OutboxStore } from './storage/outbox';
import type { ReleaseStore } from './storage/releases';
import type { DeliveryLog, MailSettingsStore, PolicyStore } from './storage/settings';
import type { Stores } from './storage/stores';

export interface AppDeps {
  stores: Stores;
  accessTokens: AccessTokens;
  /** Named API tokens and admins' sessions, with their roles. */
  apiTokens: ApiTokens;
  /** How admins sign in with the identity provider, and the sign-ins in progress. */
  identity: IdentityStore;
  oidc: OidcClient;
  /** Audits refused admin requests and failed sign-ins, within a budget. */
  refusalAudit: RefusalAudit;
  /** Tells owners by mail that access changed. */
  notifyOwners: NotifyOwners;
  /** Whether the relay is behind a TLS-terminating proxy, whose X-Forwarded-For names the client. */
  behindProxy: boolean;
  mailSettings: MailSettingsStore;
  oauth: OAuthStore;
  tokenManager: TokenManager;
  sender: MailSender;
  deliveryLog: DeliveryLog;
  oauthClient: OAuthClientOptions;
  fleet: FleetStore;
  releases: ReleaseStore;
  feeds: FeedRefresher;
  feedOptions: FeedOptions;
  outbox: OutboxStore;
  policy: PolicyStore;
  worker: OutboxWorker;
  /** Reports per device: a burst, then a steady rate. */
  reportLimiter: RateLimiter;
  metrics: Metrics;
  audit: AuditLog;
  /** How long devices, sent alerts and audit entries are kept. */
  retention: Retention;
  delivery: DeliveryTimes;
  /** When device admission starts refusing, so it is audited and logged once per episode. */
  admissionEpisode: Episodes;
  /** Throttles addresses that keep sending wrong bearer tokens. */
  authThrottle: AuthThrottle;
  /** The store against its budget: whether new devices may be stored. */
  storeWatch: StoreWatch;
  /** The Host names the relay answers; null for any. */
  allowedHosts: string[] | null;
  logger: Logger;
  /** The fleet's extension, signed with the relay's key; null where the relay serves none (most tests). */
  extension: FleetExtension | null;
  /** The relay's public https URL; '' when browsers reach it by the address each request came in by. */
  publicUrl: string;
  /** The enrollment token in plain text, when the relay knows it (kept sealed in the store), for the policy it writes. */
  enrollmentToken: () => Promise<string | null>;
  /** CORS origins: the relay's own extension's first. */
  extensionOrigins: string[];
  /** Redirect URLs accepted besides the allowed extensions' own and loopback. */
  oauthRedirectUrls: string[];
  now?: () => number;
}

export type { AppEnv } from './http/env';
