import * as oauth from 'oauth4webapi';
import { GOOGLE_ISSUER, type IdentityConfig } from '../../shared/identity';
import { oneLine } from '../../shared/text';
import { unverifiedIssuer } from '../domain/oauth-account';
import { signInParams, type IdClaims } from '../domain/sign-in';
import { ApiError } from '../http/api-error';

/** The provider's metadata and keys are read again after this long: a rotated signing key is found within it anyway. */
const METADATA_TTL_MS = 60 * 60_000;

interface Provider {
  as: oauth.AuthorizationServer;
  jwks: oauth.JWKSCacheInput;
  at: number;
}

/**
 * Signs admins in with the company's identity provider (OpenID Connect authorization code flow with PKCE): the
 * provider's metadata from its discovery document, the code redeemed at its token endpoint, and the ID token validated
 * by oauth4webapi: issuer, audience, nonce, expiry, and its signature against the provider's published keys (JWKS).
 * Nothing the provider issues is kept: the relay makes its own session from the claims.
 */
export class OidcClient {
  readonly #timeoutMs: number;
  readonly #providers = new Map<string, Provider>();

  constructor(options: { timeoutMs: number }) {
    this.#timeoutMs = options.timeoutMs;
  }

  /** The authorization URL the sign-in window opens. */
  async authorizationUrl(config: IdentityConfig, o: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<string> {
    const { as } = await this.#provider(config);
    if (!as.authorization_endpoint) throw unreachable(config, 'its discovery document names no authorization_endpoint');
    const url = new URL(as.authorization_endpoint);
    const params = {
      ...signInParams(config),
      client_id: config.clientId,
      response_type: 'code',
      redirect_uri: o.redirectUri,
      state: o.state,
      nonce: o.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(o.codeVerifier),
      code_challenge_method: 'S256',
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.href;
  }

  /** Redeems the code the sign-in window came back with; answers the validated ID token's claims. */
  async redeem(
    config: IdentityConfig,
    clientSecret: string | null,
    o: { callbackUrl: URL; state: string; redirectUri: string; codeVerifier: string; nonce: string },
  ): Promise<IdClaims> {
    const provider = await this.#provider(config);
    const client: oauth.Client = { client_id: config.clientId };
    const clientAuth = clientSecret ? authentication(provider.as, clientSecret) : oauth.None();
    const options = this.#requestOptions(config);
    let response: Response;
    try {
      const params = oauth.validateAuthResponse(provider.as, client, o.callbackUrl, o.state);
      response = await oauth.authorizationCodeGrantRequest(provider.as, client, clientAuth, params, o.redirectUri, o.codeVerifier, options);
    } catch (err) {
      throw providerFailure(config, err);
    }
    try {
      const as = await issuerOfGoogleToken(config, provider.as, response);
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: o.nonce, requireIdToken: true });
      await oauth.validateApplicationLevelSignature(as, response, { ...options, [oauth.jwksCache]: provider.jwks });
      return oauth.getValidatedIdTokenClaims(result) as unknown as IdClaims;
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError || err instanceof oauth.WWWAuthenticateChallengeError) throw providerFailure(config, err);
      if (isNetworkFailure(err)) throw unreachable(config, describe(err));
      throw new ApiError('SIGN_IN_ID_TOKEN_INVALID', { message: `The ID token was refused: ${describe(err)}.` });
    }
  }

  #requestOptions(config: IdentityConfig) {
    return {
      signal: () => AbortSignal.timeout(this.#timeoutMs),
      // The schema accepts http:// only on loopback (development and tests).
      [oauth.allowInsecureRequests]: new URL(config.issuer).protocol === 'http:',
    };
  }

  async #provider(config: IdentityConfig): Promise<Provider> {
    const key = config.issuer;
    const known = this.#providers.get(key);
    if (known && Date.now() - known.at < METADATA_TTL_MS) return known;
    const issuer = new URL(config.issuer);
    try {
      const response = await oauth.discoveryRequest(issuer, { ...this.#requestOptions(config), algorithm: 'oidc' });
      const provider = { as: await oauth.processDiscoveryResponse(issuer, response), jwks: {}, at: Date.now() };
      this.#providers.set(key, provider);
      return provider;
    } catch (err) {
      throw unreachable(config, describe(err));
    }
  }
}

/**
 * A client secret goes the way the provider's metadata prefers: HTTP Basic (RFC 6749's default, which Google and Entra
 * ID both list), or in the body when that is all it lists.
 */
function authentication(as: oauth.AuthorizationServer, secret: string): oauth.ClientAuth {
  const methods = as.token_endpoint_auth_methods_supported;
  return methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);
}

/**
 * Google: "The value of iss in the ID token is equal to accounts.google.com or https://accounts.google.com" (Google
 * Identity, "OpenID Connect", validating an ID token). oauth4webapi compares the claim with the metadata's issuer as is,
 * so the scheme-less form is expected when that is what Google wrote; the signature is still Google's to prove.
 */
async function issuerOfGoogleToken(config: IdentityConfig, as: oauth.AuthorizationServer, response: Response): Promise<oauth.AuthorizationServer> {
  if (config.preset !== 'google' || as.issuer !== GOOGLE_ISSUER) return as;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { id_token?: unknown } | null;
  const iss = typeof body?.id_token === 'string' ? unverifiedIssuer(body.id_token) : undefined;
  return iss === 'accounts.google.com' ? { ...as, issuer: iss } : as;
}

function isNetworkFailure(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
}

/** What went wrong, on one line and bounded: the provider's words end up in an answer and the audit log. */
function describe(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError) return oneLine(`${err.error}${err.error_description ? `: ${err.error_description}` : ''}`).slice(0, 500);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return oneLine(`${err instanceof Error ? err.message : String(err)}${cause}`).slice(0, 500);
}

function unreachable(config: IdentityConfig, detail: string): ApiError {
  return new ApiError('SIGN_IN_PROVIDER_UNREACHABLE', { message: `${config.issuer}: ${detail}.` });
}

/** The provider answered the code with an error (a code used twice, a wrong client secret): it refused the sign-in. */
function providerFailure(config: IdentityConfig, err: unknown): ApiError {
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError || err instanceof oauth.WWWAuthenticateChallengeError) {
    return new ApiError('SIGN_IN_REFUSED', { message: `The identity provider refused the sign-in (${describe(err)}).` });
  }
  if (isNetworkFailure(err)) return unreachable(config, describe(err));
  return new ApiError('SIGN_IN_REFUSED', { message: `The identity provider's answer was not usable: ${describe(err)}.` });
}
