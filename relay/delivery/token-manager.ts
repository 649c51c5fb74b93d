import type { MailSettings } from '../../shared/mail-settings';
import { refreshFailure, sendingMailbox, xoauth2User } from '../domain/oauth-account';
import { KEEP_ALIVE_CHECK_MS, needsKeepAlive, needsRefresh } from '../domain/token-policy';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AuditLog } from '../storage/audit-log';
import type { MailSettingsStore } from '../storage/mail-settings-store';
import type { OAuthStore } from '../storage/oauth-store';
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
  oauth: OAuthStore;
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
    const account = this.#usableAccount();
    const token = this.#deps.oauth.accessToken();
    if (token && account.accessExpiresAt !== null && !needsRefresh(account.accessExpiresAt, this.#now())) {
      return { token, user: settings ? xoauth2User(account.account, settings) : account.account, expiresAt: account.accessExpiresAt };
    }
    return this.refresh();
  }

  /** Refreshes now, sharing one request among all callers. */
  refresh(): Promise<AccessToken> {
    const settings = this.#deps.mailSettings.get();
    this.#inflight ??= (settings && isAppOnly(settings) ? this.#appToken(settings) : this.#refresh()).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /** The server refused this token: the next caller gets a fresh one (unless another caller already refreshed). */
  invalidate(token: string): void {
    if (this.#app?.token === token) this.#app = null;
    else if (this.#deps.oauth.accessToken() === token) this.#deps.oauth.dropAccessToken();
  }

  /**
   * Looks every few hours (and now) whether the account needs its keep-alive refresh, so an idle account is refreshed
   * weekly and inactivity never expires its grant (Microsoft: 90 days unused).
   */
  start(): void {
    this.#keepAliveTimer ??= setInterval(() => void this.keepAlive(), KEEP_ALIVE_CHECK_MS);
    this.#keepAliveTimer.unref();
    void this.keepAlive();
  }

  stop(): void {
    if (this.#keepAliveTimer) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = null;
  }

  /** Refreshes an account nobody used for a long time, so inactivity never expires its refresh token. */
  async keepAlive(): Promise<void> {
    const settings = this.#deps.mailSettings.get();
    if (settings && isAppOnly(settings)) return;
    const account = this.#deps.oauth.account();
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

  #usableAccount() {
    const account = this.#deps.oauth.account();
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

  async #refresh(): Promise<AccessToken> {
    const account = this.#usableAccount();
    const refreshToken = this.#deps.oauth.refreshToken();
    const settings = this.#deps.mailSettings.get();
    if (!refreshToken || !settings) throw new DeliveryError({ code: 'OAUTH_NOT_CONNECTED' });
    try {
      const tokens = await refreshAccessToken(settings, this.#deps.mailSettings.secrets(), refreshToken, this.#deps.client);
      const now = this.#now();
      const expiresAt = now + tokens.expiresInSeconds * 1000;
      this.#deps.oauth.refreshed({ accessToken: tokens.accessToken, accessExpiresAt: expiresAt, refreshToken: tokens.refreshToken, scope: tokens.scope, now });
      this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'ok' });
      this.#deps.logger.info({ rotated: Boolean(tokens.refreshToken) }, 'OAuth access token refreshed');
      return { token: tokens.accessToken, user: this.#user(account.account), expiresAt };
    } catch (err) {
      const failure = refreshFailure(err instanceof DeliveryError ? err.failure : null);
      this.#deps.oauth.refreshFailed(failure);
      if (failure.kind === 'grant-lost') {
        this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'reauthorization_required' });
        this.#deps.audit?.record('oauth.reauthorization-required', { account: account.account, reason: failure.reason }, '', this.#now());
        this.#deps.logger.warn({ reason: failure.reason }, 'OAuth grant lost: re-authorization required');
      } else {
        this.#deps.metrics?.tokenRefreshes.inc({ outcome: 'failed' });
        this.#deps.logger.warn({ code: failure.code }, 'OAuth refresh failed');
      }
      throw err;
    }
  }
}

const isAppOnly = (settings: MailSettings) => settings.authType === 'oauth' && settings.oauthGrant === 'client_credentials';

/** An app-only token belongs to no account: it acts as the sender mailbox (or the user name, when one is given). */
const appUser = sendingMailbox;
