import { EXTENSION_ORIGIN, FIREFOX_DEV_REDIRECT_URL } from '../shared/extension';
import type { AppDeps } from './deps';
import type { FleetExtension } from './extension/fleet-extension';
import type { SmtpTimeouts } from './delivery/smtp-options';
import { MailSender } from './delivery/mail-sender';
import { createAuthThrottle, createRefusalAudit } from './http/auth';
import { ownerNotices } from './delivery/owner-notice';
import { OidcClient } from './sign-in/oidc-client';
import { OutboxWorker } from './delivery/outbox-worker';
import { Episodes } from './domain/episodes';
import { DEFAULT_RETENTION, type Retention } from './domain/retention';
import { RateLimiter } from './domain/rate-limit';
import { DEFAULT_DELIVERY_TIMES, type DeliveryTimes } from './domain/retry';
import { TokenManager } from './delivery/token-manager';
import type { Logger } from './log';
import { createMetrics } from './metrics';
import { StoreWatch } from './store-watch';
import type { AccessTokens } from './storage/access-tokens';
import { DEFAULT_FEED_OPTIONS, FeedRefresher, type FeedOptions } from './feeds/refresh';
import { ENROLLMENT_TOKEN_SECRET, keptEnrollmentToken } from './storage/secrets';
import type { Stores } from './storage/stores';

export interface ComposeOptions {
  /** The opened stores, SQLite's or PostgreSQL's. */
  stores: Stores;
  accessTokens: AccessTokens;
  logger: Logger;
  extensionOrigins: string[];
  oauthRedirectUrls: string[];
  /** The fleet's extension, signed with the relay's key: its origin is allowed before extensionOrigins. */
  extension?: FleetExtension | null;
  publicUrl?: string;
  /** Shorter in tests, where a silent server must fail fast. */
  smtpTimeouts?: SmtpTimeouts;
  tokenRequestTimeoutMs?: number;
  /** The provider's minute for its per-minute sending limit: scaled down in tests, never the limit itself. */
  providerMinuteMs?: number;
  /** The Host names the relay answers; null or absent for any. */
  allowedHosts?: string[] | null;
  /** Behind a TLS-terminating reverse proxy: clients are told apart by the address it forwards (http/auth.ts). */
  behindProxy?: boolean;
  /** The size the store may grow to before new devices are refused, and the SQLite data directory whose volume holds it. */
  storeBudget?: { bytes: number; dataDir: string | null };
  /** How long devices, sent alerts and audit entries are kept. */
  retention?: Retention;
  /** New devices admitted at once, and per hour after that (smaller in tests). */
  deviceAdmission?: { burst: number; perHour: number };
  /** How long alerts wait for delivery, and when that is a delay. */
  delivery?: DeliveryTimes;
  /** Where and how often the vendors' release data is fetched. */
  feeds?: FeedOptions;
  /** Outbox worker tuning, shorter in tests. */
  worker?: { pollMs?: number; leaseMs?: number; maxBatch?: number; random?: () => number };
  now?: () => number;
}

/** --store-budget-mb's default, 4096 MB. */
export const DEFAULT_STORE_BUDGET_BYTES = 4096 * 1024 * 1024;

/** Builds every dependency of the app from the opened store; shared by main.ts and the tests, so both run the same graph. */
export function composeRelay(o: ComposeOptions): AppDeps {
  const { stores } = o;
  const { mailSettings, oauth, deliveryLog, outbox, audit, policy, releases } = stores;
  const oauthClient = { timeoutMs: o.tokenRequestTimeoutMs ?? 15_000 };
  const metrics = createMetrics(outbox, o.now);
  const tokenManager = new TokenManager({ oauth, mailSettings, logger: o.logger, client: oauthClient, metrics, audit, now: o.now });
  const sender = new MailSender({
    mailSettings,
    tokens: tokenManager,
    deliveryLog,
    timeouts: o.smtpTimeouts,
    now: o.now,
    minuteMs: o.providerMinuteMs,
    shared: stores.sendLimits,
  });
  // Onboarding 100,000 browsers fits in an hour; a holder of the enrollment token inventing IDs adds no more than that.
  const deviceAdmission = new RateLimiter(o.deviceAdmission?.burst ?? 2_000, o.deviceAdmission?.perHour ?? 100_000);
  const feedOptions = o.feeds ?? DEFAULT_FEED_OPTIONS;
  const delivery = o.delivery ?? DEFAULT_DELIVERY_TIMES;
  const worker = new OutboxWorker({
    outbox,
    policy,
    mailSettings,
    oauth,
    sender,
    inventory: stores.extensions,
    consoleUrl: `${o.extension?.identity.origin ?? EXTENSION_ORIGIN}/options.html`,
    logger: o.logger,
    metrics,
    times: delivery,
    ...o.worker,
    ...(o.now ? { now: o.now } : {}),
  });
  return {
    stores,
    accessTokens: o.accessTokens,
    apiTokens: stores.apiTokens,
    identity: stores.identity,
    oidc: new OidcClient({ timeoutMs: oauthClient.timeoutMs }),
    refusalAudit: createRefusalAudit({ audit, logger: o.logger, now: o.now }),
    notifyOwners: ownerNotices({ sender, mailSettings, identity: stores.identity, apiTokens: stores.apiTokens, logger: o.logger }),
    behindProxy: o.behindProxy ?? false,
    mailSettings,
    oauth,
    tokenManager,
    deliveryLog,
    sender,
    fleet: stores.openFleet({
      admit: (now) => deviceAdmission.take('new-devices', now),
      releases: () => releases.index(),
      exploited: () => releases.exploitIndex(),
      rowsWritten: (rows) => metrics.deviceRowsWritten.inc(rows),
    }),
    releases,
    feeds: new FeedRefresher({ store: releases, mailSettings, logger: o.logger, options: feedOptions, ...(o.now ? { now: o.now } : {}) }),
    feedOptions,
    outbox,
    policy,
    worker,
    // A browser reports hourly and on start-up; a burst of 10, then one every 2 minutes, is room enough.
    reportLimiter: new RateLimiter(10, 30),
    admissionEpisode: new Episodes(10 * 60_000),
    retention: o.retention ?? DEFAULT_RETENTION,
    delivery,
    metrics,
    audit,
    storeWatch: new StoreWatch({
      stores,
      budgetBytes: o.storeBudget?.bytes ?? DEFAULT_STORE_BUDGET_BYTES,
      volume: stores.engine === 'sqlite' ? (o.storeBudget?.dataDir ?? null) : null,
      logger: o.logger,
      metrics,
    }),
    authThrottle: createAuthThrottle({ logger: o.logger, metrics, behindProxy: o.behindProxy, now: o.now }),
    allowedHosts: o.allowedHosts ?? null,
    oauthClient,
    logger: o.logger,
    extension: o.extension ?? null,
    publicUrl: o.publicUrl ?? '',
    enrollmentToken: async () => keptEnrollmentToken(await stores.secret(ENROLLMENT_TOKEN_SECRET), o.accessTokens),
    extensionOrigins: [...new Set([...(o.extension ? [o.extension.identity.origin] : []), ...o.extensionOrigins])],
    // Firefox's redirect URL is a hash of the add-on ID, not of an origin: the fleet's add-on's, and the development
    // build's wherever the development build's Chromium origin is allowed.
    oauthRedirectUrls: [
      ...(o.extension ? [o.extension.identity.firefox.redirectUrl] : []),
      ...(o.extensionOrigins.includes(EXTENSION_ORIGIN) ? [FIREFOX_DEV_REDIRECT_URL] : []),
      ...o.oauthRedirectUrls,
    ],
    now: o.now,
  };
}

/** Keeps an enrollment token known in plain text (generated, or from the environment) sealed, for the policies the relay writes. */
export function keepEnrollmentToken(stores: Stores, token: string): Promise<void> {
  return stores.keepSecret(ENROLLMENT_TOKEN_SECRET, token);
}
