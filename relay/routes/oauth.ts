import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import * as oauth from 'oauth4webapi';
import { needsConsent } from '../../shared/mail-settings';
import { AuthorizeInput, CallbackInput, type AuthorizeAnswer, type ConnectedAnswer } from '../../shared/oauth';
import type { AppDeps, AppEnv } from '../deps';
import { relayErrors } from '../../shared/locales/en';
import { DeliveryError } from '../delivery/errors';
import { redeemCode } from '../delivery/oauth-client';
import { authorizationUrl, checkCallback, CONSENT_TTL_MS, isAllowedRedirectUrl, missingRefreshTokenHint } from '../domain/consent';
import { ApiError, parseBody } from '../http/api-error';
import { auditBy } from '../http/auth';

/** The consent flow (docs/architecture.md, flow 3): the extension opens the window; the relay makes the URL and redeems the code. */
export function oauthRoutes(
  deps: Pick<AppDeps, 'mailSettings' | 'oauth' | 'worker' | 'extensionOrigins' | 'oauthRedirectUrls' | 'oauthClient' | 'logger' | 'audit' | 'now'>,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;

  const oauthSettings = () => {
    const settings = deps.mailSettings.get();
    if (!settings) throw new ApiError('MAIL_NOT_CONFIGURED');
    if (settings.authType !== 'oauth') throw new ApiError('OAUTH_NOT_SELECTED');
    if (!needsConsent(settings)) throw new ApiError('OAUTH_CONSENT_NOT_NEEDED');
    return settings;
  };

  routes.post('/oauth/authorize', async (c) => {
    const { redirectUrl } = await parseBody(c, AuthorizeInput);
    const settings = oauthSettings();
    if (!isAllowedRedirectUrl(redirectUrl, deps.extensionOrigins, deps.oauthRedirectUrls)) {
      throw new ApiError('OAUTH_REDIRECT_URL_NOT_ALLOWED', { field: 'redirectUrl' });
    }
    const state = randomBytes(32).toString('base64url');
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const expiresAt = now() + CONSENT_TTL_MS;
    await deps.oauth.beginConsent({ state, redirectUri: redirectUrl, expiresAt, codeVerifier });
    const url = authorizationUrl(settings, { redirectUri: redirectUrl, state, codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier) });
    return c.json({ authorizationUrl: url, expiresAt: new Date(expiresAt).toISOString() } satisfies AuthorizeAnswer);
  });

  routes.post('/oauth/callback', async (c) => {
    const { callbackUrl } = await parseBody(c, CallbackInput);
    const settings = oauthSettings();
    const url = new URL(callbackUrl);
    const check = checkCallback(await deps.oauth.pendingConsent(), url, now());
    if (!check.ok) {
      if ('provider' in check) throw ApiError.fromDelivery(new DeliveryError(check.provider));
      throw new ApiError(check.code, { ...(check.field ? { field: check.field } : {}), ...(check.message ? { message: check.message } : {}) });
    }
    const { state } = check;
    // Claimed before the code goes out: a second callback for the same state is refused, even concurrently.
    const claim = await deps.oauth.claimConsent(state);
    if (!claim) throw new ApiError('OAUTH_CODE_ALREADY_REDEEMED');

    const tokens = await redeemCode(
      settings,
      deps.mailSettings.secrets(),
      { callbackUrl: url, state, redirectUri: claim.redirectUri, codeVerifier: claim.codeVerifier },
      deps.oauthClient,
    );
    if (!tokens.refreshToken) {
      throw new ApiError('OAUTH_NO_REFRESH_TOKEN', { message: `${relayErrors.OAUTH_NO_REFRESH_TOKEN.message} ${missingRefreshTokenHint(settings)}` });
    }
    const connectedAt = now();
    // '' when the provider did not name the account (no openid scope): XOAUTH2 then logs in as the configured user.
    const account = tokens.account ?? '';
    const scope = tokens.scope ?? settings.scope;
    const accessExpiresAt = connectedAt + tokens.expiresInSeconds * 1000;
    await deps.oauth.connect({ account, scope, refreshToken: tokens.refreshToken, accessToken: tokens.accessToken, accessExpiresAt, now: connectedAt });
    await deps.audit.record('oauth.consent-granted', { account, scope }, auditBy(c), connectedAt);
    deps.logger.info({ requestId: c.get('requestId'), account }, 'OAuth account connected');
    void deps.worker.resume().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    return c.json({ account: tokens.account, scope, accessTokenExpiresAt: new Date(accessExpiresAt).toISOString() } satisfies ConnectedAnswer);
  });

  /** Forgets the connected account and its tokens; the provider-side grant is revoked in its own console. */
  routes.delete('/oauth/connection', async (c) => {
    const account = await deps.oauth.account();
    await deps.oauth.disconnect();
    if (account) await deps.audit.record('oauth.disconnected', { account: account.account, reason: 'an admin disconnected it' }, auditBy(c));
    deps.logger.info({ requestId: c.get('requestId') }, 'OAuth account disconnected by an admin');
    return c.body(null, 204);
  });

  return routes;
}
