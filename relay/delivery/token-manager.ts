import type { MailSettings } from '../../shared/mail-settings';
import { refreshFailure, sendingMailbox, xoauth2User, type RefreshFailure } from '../domain/oauth-account';
import { KEEP_ALIVE_CHECK_MS, needsKeepAlive, needsRefresh } from '../domain/token-policy';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AuditLog } from '../storage/audit-log';
import type { OAuthStore } from '../storage/oauth';
import type { MailSettingsStore } from '../storage/settings';
import { DeliveryError } from './errors';
import { clientCredentialsToken, refreshAccessToken, type OAuthClientOptions } from './oauth-client';

export interface AccessToken {
  token: string;
  /** The mailbox the token authenticates, the XOAUTH2 user. */
  user: string;
  /** When it expires (ms since the epoch). */
  expiresAt: number;
}

export interface TokenManagerDeps {
  /** The connected account, maybe shared by several relays. */
  oauth: Pick<OAuthStore, 'account' | 'accessToken' | 'dropAccessToken' | 'withAccountLock'>;
  mailSettings: MailSettingsStore;
  logger: Logger;
  client: OAuthClientOptions;
  metrics?: Pick<Metrics, 'tokenRefreshes'>;
  audit?: AuditLog;
  now?: () => number;
}

/** An app-only token, kept in memory for the settings revision it was made with. */
interface AppToken {
  token: string;
  expiresAt: number;
  revision: number;
}

/**
 * Hands out a valid access token for sending: refreshed ahead of expiry, one refresh in flight however many sends
 * wait for it; a rotated refresh token replaces the stored one; `invalid_grant` drops the grant and marks the
 * account "re-authorization required", after which nothing retries until an admin re-authorizes. App-only settings
 * (client credentials) have no account: their token is asked for again when it nears expiry, and nothing is stored.
 */
export class TokenManager {
  readonly #deps: TokenManagerDeps;
  readonly #now: () => number;
  #inflight: Promise<AccessToken> | null = null;
  #keepAliveTimer: ReturnType<typeof setInterval> | null = null;
  #app: AppToken | null = null;

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async accessToken(): Promise<AccessToken> {
    const settings = this.#deps.mailSettings.get();
    if (settings && isAppOnly(settings)) {
      const app = this.#app;
      const current = app && app.revision === this.#deps.mailSettings.revision() && !needsRefresh(app.expiresAt, this.#now());
      return current ? { token: app.token, user: appUser(settings), expiresAt: app.expiresAt } : this.refresh();
    }
    const account = await this.#usableAccount();
    const token = await this.#deps.oauth.accessToken();
    if (token && account.accessExpiresAt !== null && !needsRefresh(account.accessExpiresAt, this.#now())) {
      return { token, user: settings ? xoauth2User(account.account, settings) : account.account, expiresAt: account.accessExpiresAt };
    }
    return this.#refreshShared(true);
  }

  /** Refreshes now, sharing one request among all callers. */
  refresh(): Promise<AccessToken> {
    return this.#refreshShared(false);
  }

  /**
   * One refresh in flight however many sends ask. `whenStale`: a token another relay refreshed meanwhile is taken as
   * it is (the account's store checks again under its lock); otherwise the refresh is made whatever the token's age.
   */
  #refreshShared(whenStale: boolean): Promise<AccessToken> {
    const settings = this.#deps.mailSettings.get();
    this.#inflight ??= (settings && isAppOnly(settings) ? this.#appToken(settings) : this.#refresh(whenStale)).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /** The server refused this token: the next caller gets a fresh one (unless another caller already refreshed). */
  async invalidate(token: string): Promise<void> {
    if (this.#app?.token === token) this.#app = null;
    else if ((await this.#deps.oauth.accessToken()) === token) await this.#deps.oauth.dropAccessToken();
  }

  /**
   * Looks every few hours (and now) whether the account needs its keep-alive refresh, so an idle account is refreshed
   * weekly and inactivity never expires its grant (Microsoft: 90 days unused).
   */
  start(): void {
    // The store may be out of reach (a database restart): the next check tries again.
    const check = () => void this.keepAlive().catch((err: unknown) => this.#deps.logger.warn({ err }, 'keep-alive check failed'));
    this.#keepAliveTimer ??= setInterval(check, KEEP_ALIVE_CHECK_MS);
    this.#keepAliveTimer.unref();
    check();
  }

  stop(): void {
    if (this.#keepAliveTimer) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = null;
  }

  /** Refreshes an account nobody used for a long time, so inactivity never expires its refresh token. */
  async keepAlive(): Promise<void> {
    const settings = this.#deps.mailSettings.get();
    if (settings && isAppOnly(settings)) return;
    const account = await this.#deps.oauth.account();
    if (!account || account.reauth || !needsKeepAlive(account.lastRefreshAt ?? account.connectedAt, this.#now())) return;
    try {
      await this.refresh();
      this.#deps.logger.info('idle OAuth account refreshed to keep its grant alive');
    } catch (err) {
      this.#deps.logger.warn({ code: err instanceof DeliveryError ? err.failure.code : 'unknown' }, 'keep-alive refresh failed');
    }
  }

  #user(account: string): string {
    const settings = this.#deps.mailSettings.get();
    return settings ? xoauth2User(account, settings) : account;
  }

  async #usableAccount() {
    const account = await this.#deps.oauth.account();
    if (!account) throw new DeliveryError({ code: 'OAUTH_NOT_CONNECTED' });
    if (account.reauth) throw new DeliveryError({ code: 'OAUTH_REAUTH_REQUIRED', detail: account.reauth.reason });
    return account;
  }

  async #appToken(settings: MailSettings): Promise<AccessToken> {
    const revision = this.#deps.mailSettings.revision();
    try {
      const tokens = await clientCredentialsToken(settings, this.#deps.mailSettings.secrets(), this.#deps.client);
      const expiresAt = this.#now() + tokens.expiresInSeconds * 1000;
      this.#app = { token: tokens.accessToken, expiresAt, revision };
      this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'ok' });
      this.#deps.logger.info('app-only access token obtained');
      return { token: tokens.accessToken, user: appUser(settings), expiresAt };
    } catch (err) {
      this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'failed' });
      this.#deps.logger.warn({ code: err instanceof DeliveryError ? err.failure.code : 'unknown' }, 'app-only token request failed');
      throw err;
    }
  }

  /**
   * The refresh lifecycle, under the account's lock: relays whose token expired together make one refresh request
   * between them (the others find it fresh), a rotated refresh token is stored before any relay can read the old one,
   * and a failure is recorded as refreshFailure() judges it before it is thrown.
   */
  async #refresh(whenStale: boolean): Promise<AccessToken> {
    const settings = this.#deps.mailSettings.get();
    if (!settings) throw new DeliveryError({ code: 'OAUTH_NOT_CONNECTED' });
    const outcome = await this.#deps.oauth.withAccountLock(async (locked): Promise<RefreshOutcome> => {
      const account = await locked.account();
      if (!account) return { kind: 'not-connected' };
      if (account.reauth) return { kind: 'reauth', reason: account.reauth.reason };
      const current = await locked.accessToken();
      // Another relay (or an earlier caller) refreshed it meanwhile.
      if (whenStale && current && account.accessExpiresAt !== null && !needsRefresh(account.accessExpiresAt, this.#now())) {
        return { kind: 'token', account: account.account, accessToken: current, expiresAt: account.accessExpiresAt, refreshed: false };
      }
      const refreshToken = await locked.refreshToken();
      if (!refreshToken) return { kind: 'not-connected' };
      try {
        const tokens = await refreshAccessToken(settings, this.#deps.mailSettings.secrets(), refreshToken, this.#deps.client);
        const now = this.#now();
        const expiresAt = now + tokens.expiresInSeconds * 1000;
        await locked.refreshed({ accessToken: tokens.accessToken, accessExpiresAt: expiresAt, refreshToken: tokens.refreshToken, scope: tokens.scope, now });
        return { kind: 'token', account: account.account, accessToken: tokens.accessToken, expiresAt, refreshed: true };
      } catch (err) {
        const failure = refreshFailure(err instanceof DeliveryError ? err.failure : null);
        await locked.refreshFailed(failure);
        // Answered, not thrown: the failure's record commits with the lock's transaction.
        return { kind: 'failed', error: err, failure, account: account.account };
      }
    });
    if (outcome.kind === 'failed') {
      const { failure } = outcome;
      if (failure.kind === 'grant-lost') {
        this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'reauthorization_required' });
        await this.#deps.audit?.record('oauth.reauthorization-required', { account: outcome.account, reason: failure.reason }, '', this.#now());
        this.#deps.logger.warn({ reason: failure.reason }, 'OAuth grant lost: re-authorization required');
      } else {
        this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'failed' });
        this.#deps.logger.warn({ code: failure.code }, 'OAuth refresh failed');
      }
      throw outcome.error;
    }
    if (outcome.kind === 'not-connected') throw new DeliveryError({ code: 'OAUTH_NOT_CONNECTED' });
    if (outcome.kind === 'reauth') throw new DeliveryError({ code: 'OAUTH_REAUTH_REQUIRED', detail: outcome.reason });
    if (outcome.refreshed) {
      this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'ok' });
      this.#deps.logger.info('OAuth access token refreshed');
    }
    return { token: outcome.accessToken, user: this.#user(outcome.account), expiresAt: outcome.expiresAt };
  }
}

/** An access token to send with, or why there is none. */
type RefreshOutcome =
  | { kind: 'token'; account: string; accessToken: string; expiresAt: number; refreshed: boolean }
  | { kind: 'not-connected' }
  | { kind: 'reauth'; reason: string }
  | { kind: 'failed'; error: unknown; failure: RefreshFailure; account: string };

const isAppOnly = (settings: MailSettings) => settings.authType === 'oauth' && settings.oauthGrant === 'client_credentials';

/** An app-only token belongs to no account: it acts as the sender mailbox (or the user name, when one is given). */
const appUser = sendingMailbox;
