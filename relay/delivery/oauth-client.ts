import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { ProxyAgent } from 'undici';
import type { MailSettings } from '../../shared/mail-settings';
import { accountFromIdToken, trustedIssuer, unverifiedIssuer } from '../domain/oauth-account';
import { classifyOAuthError, type OAuthFailureInput, type OAuthPhase } from '../domain/oauth-errors';
import { DeliveryError } from './errors';
import type { MailSecrets } from '../storage/settings';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresInSeconds: number;
  scope?: string;
}

export interface OAuthClientOptions {
  /** Bound on each token request, so an unreachable endpoint fails with an answer instead of hanging. */
  timeoutMs: number;
}

/**
 * Redeems an authorization code (RFC 6749 §4.1.3 with PKCE), through the proxy when one is set, and names the account
 * that signed in from the validated ID token (null when the scope had no `openid`).
 */
export async function redeemCode(
  settings: MailSettings,
  secrets: MailSecrets,
  consent: { callbackUrl: URL; state: string; redirectUri: string; codeVerifier: string },
  options: OAuthClientOptions,
): Promise<TokenSet & { account: string | null }> {
  return withEndpoint(settings, secrets, options, 'redeem', async (ctx) => {
    // RFC 9207: a server that names itself in the redirect must be the one configured (Google does; Microsoft does not).
    const iss = consent.callbackUrl.searchParams.get('iss');
    if (iss !== null) ctx.as = { ...ctx.as, issuer: trustedIssuer(settings.authorizationUrl, iss) ?? ctx.as.issuer };
    const params = oauth.validateAuthResponse(ctx.as, ctx.client, consent.callbackUrl, consent.state);
    const response = await oauth.authorizationCodeGrantRequest(
      ctx.as,
      ctx.client,
      ctx.clientAuth,
      params,
      consent.redirectUri,
      consent.codeVerifier,
      ctx.request,
    );
    if (iss === null) await expectIdTokenIssuer(ctx, settings, response);
    const result = await oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, response);
    const claims = oauth.getValidatedIdTokenClaims(result);
    return { ...tokenSet(result), account: claims ? accountFromIdToken(claims) : null };
  });
}

/** Gets a new access token with the refresh token (RFC 6749 §6). */
export async function refreshAccessToken(settings: MailSettings, secrets: MailSecrets, refreshToken: string, options: OAuthClientOptions): Promise<TokenSet> {
  return withEndpoint(settings, secrets, options, 'refresh', async (ctx) => {
    const response = await oauth.refreshTokenGrantRequest(ctx.as, ctx.client, ctx.clientAuth, refreshToken, ctx.request);
    await expectIdTokenIssuer(ctx, settings, response);
    return tokenSet(await oauth.processRefreshTokenResponse(ctx.as, ctx.client, response));
  });
}

/**
 * Gets an app-only access token with the application's own credentials (RFC 6749 §4.4): no account, no refresh token;
 * the scope is the resource's `.default` at Microsoft, standing for the permissions an admin granted the app.
 */
export async function clientCredentialsToken(settings: MailSettings, secrets: MailSecrets, options: OAuthClientOptions): Promise<TokenSet> {
  return withEndpoint(settings, secrets, options, 'client-credentials', async (ctx) => {
    const response = await oauth.clientCredentialsGrantRequest(ctx.as, ctx.client, ctx.clientAuth, new URLSearchParams({ scope: settings.scope }), ctx.request);
    return tokenSet(await oauth.processClientCredentialsResponse(ctx.as, ctx.client, response));
  });
}

/**
 * Sets the issuer that oauth4webapi holds an ID token in this response to: the one it names, when that lives where the
 * configured authorization server does (see trustedIssuer). Otherwise the origin stays expected, and validation fails.
 */
async function expectIdTokenIssuer(ctx: EndpointContext, settings: MailSettings, response: Response): Promise<void> {
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { id_token?: unknown } | null;
  if (typeof body?.id_token !== 'string') return;
  ctx.as = { ...ctx.as, issuer: trustedIssuer(settings.authorizationUrl, unverifiedIssuer(body.id_token)) ?? ctx.as.issuer };
}

function tokenSet(r: oauth.TokenEndpointResponse): TokenSet {
  return { accessToken: r.access_token, refreshToken: r.refresh_token, expiresInSeconds: r.expires_in ?? 3600, scope: r.scope };
}

interface EndpointContext {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  request: oauth.TokenEndpointRequestOptions;
}

async function withEndpoint<T>(
  settings: MailSettings,
  secrets: MailSecrets,
  options: OAuthClientOptions,
  phase: OAuthPhase,
  run: (ctx: EndpointContext) => Promise<T>,
): Promise<T> {
  const clientAuth = await clientAuthentication(settings, secrets).catch((err: unknown) => {
    // Checked when saved; a key or certificate unreadable now is the client's credentials, not the network.
    throw new DeliveryError({
      code: 'OAUTH_INVALID_CLIENT',
      detail: `the client certificate or its key cannot be used: ${err instanceof Error ? err.message : String(err)}`,
    });
  });
  // undici is loaded only when a proxy is set: most relays never need it, and it is the heaviest module at start-up.
  const undici = settings.proxyUrl ? await import('undici') : null;
  const proxy = undici ? proxyAgent(undici.ProxyAgent, settings, secrets) : null;
  const request: oauth.TokenEndpointRequestOptions = {
    signal: () => AbortSignal.timeout(options.timeoutMs),
    // The schema accepts http:// endpoints only on loopback (development and tests).
    [oauth.allowInsecureRequests]: new URL(settings.tokenUrl).protocol === 'http:',
    ...(undici && proxy
      ? {
          [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
            undici.fetch(url, { ...init, dispatcher: proxy } as never) as unknown as Promise<Response>,
        }
      : {}),
  };
  const ctx: EndpointContext = {
    // App-only settings have no authorization URL; the token URL's origin names the server then.
    as: {
      issuer: new URL(settings.authorizationUrl || settings.tokenUrl).origin,
      authorization_endpoint: settings.authorizationUrl || undefined,
      token_endpoint: settings.tokenUrl,
    },
    client: { client_id: settings.clientId },
    clientAuth,
    request,
  };
  try {
    return await run(ctx);
  } catch (err) {
    const failure = classifyOAuthError(failureInput(err, settings), phase);
    throw new DeliveryError({ code: failure.code, detail: failure.reauthReason ?? failure.detail }, { cause: err });
  } finally {
    await proxy?.close();
  }
}

/**
 * The client authenticates the way the registration expects: its secret by HTTP Basic (RFC 6749's default) or in the
 * body, or a certificate (RFC 7523 `private_key_jwt`), as Microsoft recommends over secrets.
 */
async function clientAuthentication(settings: MailSettings, secrets: MailSecrets): Promise<oauth.ClientAuth> {
  if (settings.clientAuthMethod === 'private_key_jwt' && secrets.clientPrivateKey) return certificateAssertion(settings, secrets.clientPrivateKey);
  if (settings.clientAuthMethod === 'none' || !secrets.clientSecret) return oauth.None();
  return settings.clientAuthMethod === 'client_secret_post' ? oauth.ClientSecretPost(secrets.clientSecret) : oauth.ClientSecretBasic(secrets.clientSecret);
}

/**
 * An RS256 client assertion as Microsoft Entra takes it ("Microsoft identity platform certificate credentials"): the
 * certificate's SHA-1 and SHA-256 thumbprints in `x5t` and `x5t#S256` name which uploaded certificate signed it, and the
 * audience is the token endpoint itself.
 */
async function certificateAssertion(settings: MailSettings, privateKeyPem: string): Promise<oauth.ClientAuth> {
  const der = createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const certificate = new X509Certificate(settings.clientCertificate).raw;
  const thumbprint = (algorithm: string) => createHash(algorithm).update(certificate).digest('base64url');
  return oauth.PrivateKeyJwt(key, {
    [oauth.modifyAssertion]: (header, payload) => {
      header.x5t = thumbprint('sha1');
      header['x5t#S256'] = thumbprint('sha256');
      payload.aud = settings.tokenUrl;
    },
  });
}

export function proxyAgent(Agent: typeof ProxyAgent, settings: MailSettings, secrets: MailSecrets, options: Omit<ProxyAgent.Options, 'uri'> = {}): ProxyAgent {
  const credentials = settings.proxyUsername
    ? `Basic ${Buffer.from(`${settings.proxyUsername}:${secrets.proxyPassword ?? ''}`).toString('base64')}`
    : undefined;
  return new Agent({ uri: settings.proxyUrl, ...(credentials ? { token: credentials } : {}), ...options });
}

function failureInput(err: unknown, settings: MailSettings): OAuthFailureInput {
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) {
    return { kind: 'oauth', error: err.error, description: err.error_description, ...('status' in err ? { status: err.status } : {}) };
  }
  // A 401 with a WWW-Authenticate challenge (RFC 6749 §5.2): the client's credentials were refused.
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0]?.parameters;
    return { kind: 'oauth', error: challenge?.error ?? 'invalid_client', description: challenge?.error_description, status: err.status };
  }
  if (err instanceof oauth.OperationProcessingError) return { kind: 'oauth', error: 'invalid_response', description: err.message };
  const viaProxy = Boolean(settings.proxyUrl);
  if (err instanceof Error && err.name === 'TimeoutError') return { kind: 'network', message: 'the token request timed out', viaProxy };
  // fetch wraps the real failure one or two levels deep (undici: TypeError → DOMException → RequestAbortedError).
  const chain: { message?: string; code?: string; port?: number; cause?: unknown }[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e as (typeof chain)[number]);
  const root = chain.at(-1);
  const message = root?.message ?? String(err);
  const system = chain.find((e) => typeof e.code === 'string');
  const proxyStatus = Number(/Proxy response \((\d{3})\)/.exec(message)?.[1]) || undefined;
  const proxyPort = viaProxy ? Number(new URL(settings.proxyUrl).port || 80) : undefined;
  const proxyRefused = viaProxy && system?.code === 'ECONNREFUSED' && system.port === proxyPort;
  return { kind: 'network', message, systemCode: system?.code, viaProxy, proxyRefused, ...(proxyStatus ? { proxyStatus } : {}) };
}
