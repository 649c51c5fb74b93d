import { createHash, createPrivateKey, createSign, generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AuthorizationCode, type Configuration, type KoaContextWithOIDC, type ResponseType } from 'oidc-provider';
import { GMAIL_SCOPE } from './gmail';
import { GMAIL_API_SCOPE } from './gmail-api';
import { GRAPH_APP_SCOPE, GRAPH_SCOPE } from './graph';
import { EXCHANGE_APP_SCOPE, MICROSOFT_SCOPE } from './microsoft-365';
import { RECORDED } from './recorded-replies';
import type { TokenVerifier } from './smtp-peer';

/**
 * A real OAuth 2.0 / OpenID Connect authorization server: `oidc-provider`, the certified Node implementation, with its
 * own login and consent pages (development interactions: any password is accepted). Configured like one of the two
 * providers Guardmail has presets for:
 * - `google`: refresh tokens only for `access_type=offline`, and again only with `prompt=consent` (Google's "Using OAuth
 *   2.0 for Web Server Applications", "Refresh the access token (offline access)"); refresh tokens are not rotated;
 *   the issuer names itself in the redirect (RFC 9207), as accounts.google.com does.
 * - `microsoft`: the tenant in the path (`/{tenant}/oauth2/v2.0/authorize`), an issuer naming the tenant's GUID
 *   (`…/{tid}/v2.0`), refresh tokens only with `offline_access`, a new refresh token on every refresh (Microsoft
 *   identity platform, "Refresh tokens in the Microsoft identity platform").
 * The SMTP and API replicas check tokens with its RFC 7662 introspection endpoint, as a resource server would.
 *
 * Microsoft's flavour also issues app-only tokens (client credentials, "Microsoft identity platform and the OAuth 2.0
 * client credentials flow"): only for a scope that is a resource's `/.default`, anything else refused with AADSTS1002012;
 * the token carries as roles the application permissions an admin granted (`appPermissions`), none before admin consent.
 */
export type Flavour = 'google' | 'microsoft';

export interface TestClient {
  secret?: string;
  redirectUris: string[];
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** The certificate uploaded to the app registration, for `private_key_jwt`. */
  certificate?: string;
}

/**
 * What the directory holds of an account besides its address, as each provider puts it in the ID token:
 * - Entra ID: `groups`, the object IDs of the security groups the user is in, when the app registration asks for them
 *   (`groupMembershipClaims`), and `roles`, the app roles assigned to the user ("Microsoft identity platform ID token
 *   claims reference"); past 200 groups, no `groups` but `_claim_names` pointing at Graph ("Groups overage claim").
 * - Google: `hd`, the Workspace domain, only for Workspace accounts ("OpenID Connect", ID token payload).
 */
export interface DirectoryAccount {
  groups?: string[];
  roles?: string[];
  /** Entra: the user is in more groups than a token holds. */
  groupsOverage?: boolean;
  hd?: string;
  emailVerified?: boolean;
}

export interface AuthorizationServerOptions {
  flavour: Flavour;
  /** Accounts by login, with their directory claims; any other login signs in with an address only. */
  directory?: Record<string, DirectoryAccount>;
  clients: Record<string, TestClient>;
  accessTokenTtlSeconds?: number;
  /** Application permissions an admin granted each client, by name (Mail.Send for Graph, SMTP.SendAsApp for Exchange). */
  appPermissions?: Record<string, string[]>;
}

export interface AuthorizationServer {
  flavour: Flavour;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** The scope a mail client asks for at this provider, `openid email` included. */
  mailScope: string;
  /** The authorize parameters the provider needs for a refresh token. */
  authorizeParams: string;
  /** Every token request, in order: its grant type and the refresh token it presented. */
  tokenRequests: { grantType: string; refreshToken?: string }[];
  /** RFC 7662 introspection, as a resource server does it. */
  verifyToken: TokenVerifier;
  /** What an admin granted each client (admin consent); a change shows in the roles of tokens issued afterwards. */
  appPermissions: Record<string, string[]>;
  /** Signs in on the provider's own pages as `user` and approves (or cancels), answering the final redirect URL. */
  consent(authorizationUrl: string, decision: 'allow' | 'deny', user?: string): Promise<string>;
  /** The user removes the app's access: its grants and every token issued under them are revoked. */
  revokeAll(): Promise<void>;
  /** Revokes every access token issued so far, leaving the refresh tokens. */
  expireAccessTokens(): Promise<void>;
  /** Answers the next token request with this recorded reply instead (see recorded-replies.ts). */
  failNextToken(status: number, body: Record<string, string>): void;
  /**
   * Changes the claims of the next ID token the token endpoint answers and signs it again with the provider's key, or
   * with a key it never published (`foreignKey`): a provider, or someone in its place, answering what it should not.
   */
  tamperNextIdToken(change: (claims: Record<string, unknown>) => Record<string, unknown>, options?: { foreignKey?: boolean }): void;
  /** Delays every token response (to hold many requests in flight at once). */
  tokenDelayMs: number;
  /** Stops answering token requests (for a token endpoint that times out). */
  hangTokenRequests: boolean;
  /** Goes down: connections to it are refused, its grants and tokens kept, until `start()` listens on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const RESOURCE_SERVER = { id: 'smtp-replica', secret: randomUUID() };
/** The tenant's GUID, as Microsoft puts it in the issuer whatever the URL names. */
export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TENANT_NAMES = [TENANT_ID, 'organizations', 'common', 'contoso.example'];

export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const google = options.flavour === 'google';
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const issuer = google ? origin : `${origin}/${TENANT_ID}/v2.0`;
  const paths = google ? { authorization: '/o/oauth2/v2/auth', token: '/token' } : { authorization: '/oauth2/v2.0/authorize', token: '/oauth2/v2.0/token' };

  const tokenRequests: AuthorizationServer['tokenRequests'] = [];
  const grants = new Set<string>();
  const accessTokens = new Set<{ destroy(): Promise<void> }>();
  const offlineCodes = new Set<string>();
  const consented = new Set<string>();
  const hanging = new Set<ServerResponse>();
  let injected: { status: number; body: Record<string, string> } | null = null;
  let tamper: { change: (claims: Record<string, unknown>) => Record<string, unknown>; foreignKey?: boolean } | null = null;
  const directory = options.directory ?? {};

  // Read back from PEM rather than exported as generated (docs/development.md, "Node's crypto").
  const privateKey = createPrivateKey(
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
  );
  const configuration: Configuration = {
    clients: [
      ...Object.entries(options.clients).map(([id, c]) => ({
        client_id: id,
        ...(c.secret ? { client_secret: c.secret } : {}),
        ...(c.certificate ? { jwks: { keys: [{ ...new X509Certificate(c.certificate).publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' }] } } : {}),
        redirect_uris: c.redirectUris,
        token_endpoint_auth_method: c.authMethod,
        // Microsoft lets any confidential client use client credentials; Google has no such grant for Gmail.
        grant_types: ['authorization_code', 'refresh_token', ...(google || !(c.secret || c.certificate) ? [] : ['client_credentials'])],
        response_types: ['code' as ResponseType],
      })),
      { client_id: RESOURCE_SERVER.id, client_secret: RESOURCE_SERVER.secret, redirect_uris: [], grant_types: [], response_types: [] as ResponseType[] },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomUUID()] },
    scopes: google
      ? ['openid', 'email', 'profile', GMAIL_SCOPE, GMAIL_API_SCOPE]
      : ['openid', 'email', 'profile', 'offline_access', MICROSOFT_SCOPE, GRAPH_SCOPE, GRAPH_APP_SCOPE, EXCHANGE_APP_SCOPE],
    claims: {
      openid: google ? ['sub', 'hd'] : ['sub', 'tid', 'preferred_username', 'groups', 'roles', '_claim_names', '_claim_sources'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Both providers put the account's address in the ID token (the default keeps it for the userinfo endpoint).
    conformIdTokenClaims: false,
    extraParams: google ? ['access_type'] : [],
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: id,
        name: id.split('@')[0],
        ...(google ? { email_verified: directory[id]?.emailVerified ?? true } : { preferred_username: id, tid: TENANT_ID }),
        ...directoryClaims(directory[id], google),
      }),
    }),
    features: { devInteractions: { enabled: true }, introspection: { enabled: true }, revocation: { enabled: true }, clientCredentials: { enabled: !google } },
    pkce: { required: () => true },
    routes: { ...paths, introspection: '/introspect', revocation: '/revoke', ...(google ? {} : { jwks: '/discovery/v2.0/keys' }) },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      ClientCredentials: options.accessTokenTtlSeconds ?? 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 90 * 86_400,
      Grant: 90 * 86_400,
      Interaction: 600,
      Session: 3600,
    },
    rotateRefreshToken: !google,
    // Microsoft writes the application permissions granted at the time into the app-only token, as `roles`.
    extraTokenClaims: (_ctx, token) => (token.kind === 'ClientCredentials' ? { roles: api.appPermissions[token.clientId ?? ''] ?? [] } : undefined),
    issueRefreshToken: async (_ctx, client, code) => {
      if (!client.grantTypeAllowed('refresh_token')) return false;
      return google ? offlineCodes.has(code.jti) : code.scopes.has('offline_access');
    },
  };
  const provider = new Provider(issuer, configuration);

  provider.on('access_token.saved', (token) => void accessTokens.add(token));
  provider.on('authorization_code.saved', (code: AuthorizationCode) => {
    if (code.grantId) grants.add(code.grantId);
    if (!google) return;
    const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
    const key = `${code.accountId}|${code.clientId}`;
    // Google gives a refresh token for offline access at the first consent, and later only when consent is prompted again.
    if (ctx?.oidc.params?.access_type === 'offline' && (!consented.has(key) || ctx.oidc.prompts.has('consent'))) offlineCodes.add(code.jti);
    consented.add(key);
  });

  if (!google) {
    provider.use(async (ctx, next) => {
      // Microsoft honours offline_access without prompt=consent, which OIDC Core §11 asks for and oidc-provider enforces.
      if (ctx.path === paths.authorization && ctx.query.scope?.toString().split(' ').includes('offline_access') && !ctx.query.prompt) {
        ctx.query = { ...ctx.query, prompt: 'consent' };
      }
      await next();
      // Entra's tenant-specific metadata ("OpenID Connect on the Microsoft identity platform", the metadata document)
      // names the tenant in each endpoint, and does not say the redirect carries `iss` (below).
      if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        const metadata = { ...(ctx.body as Record<string, unknown>) };
        delete metadata.authorization_response_iss_parameter_supported;
        for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint']) {
          if (typeof metadata[key] === 'string') metadata[key] = (metadata[key] as string).replace(origin, `${origin}/${TENANT_ID}`);
        }
        ctx.body = metadata;
      }
      // Microsoft does not name itself in the redirect (no RFC 9207 `iss`); the client learns the issuer from the ID token.
      const location = ctx.response.get('location');
      const redirect = location ? new URL(location, origin) : null;
      if (redirect && redirect.origin !== origin) {
        redirect.searchParams.delete('iss');
        ctx.response.set('location', redirect.href);
      }
    });
  }

  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== paths.token) return next();
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    // Read here to record it; oidc-provider then takes the parsed body from req.body.
    (ctx.req as IncomingMessage & { body?: string }).body = body;
    const form = new URLSearchParams(body);
    tokenRequests.push({ grantType: form.get('grant_type') ?? '', refreshToken: form.get('refresh_token') ?? undefined });
    if (api.hangTokenRequests) {
      hanging.add(ctx.res);
      return new Promise<void>(() => undefined);
    }
    if (api.tokenDelayMs) await new Promise((r) => setTimeout(r, api.tokenDelayMs));
    if (injected) {
      ctx.status = injected.status;
      ctx.body = injected.body;
      injected = null;
      return;
    }
    // Entra finds the uploaded certificate by the assertion's thumbprint, and refuses an assertion naming none it has.
    const assertion = form.get('client_assertion');
    const certificate = options.clients[form.get('client_id') ?? '']?.certificate;
    if (
      !google &&
      assertion &&
      certificate &&
      jwtHeader(assertion).x5t !== createHash('sha1').update(new X509Certificate(certificate).raw).digest('base64url')
    ) {
      ctx.status = 401;
      ctx.body = {
        error: 'invalid_client',
        error_description: 'AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.]',
      };
      return;
    }
    const scope = form.get('scope') ?? '';
    if (!google && form.get('grant_type') === 'client_credentials' && !/^\S+\/\.default$/.test(scope)) {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_scope',
        error_description: `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      };
      return;
    }
    await next();
    const issued = ctx.body as { id_token?: string } | undefined;
    if (tamper && ctx.status === 200 && issued?.id_token) {
      ctx.body = {
        ...issued,
        id_token: resign(issued.id_token, tamper.change, tamper.foreignKey ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : privateKey),
      };
      tamper = null;
    }
    // oidc-provider says "grant request is invalid" for a revoked refresh token; each provider says it its own way.
    const answer = ctx.body as { error?: string } | undefined;
    if (ctx.status === 400 && answer?.error === 'invalid_grant' && form.get('grant_type') === 'refresh_token') {
      ctx.body = (google ? RECORDED.googleRevoked! : RECORDED.entraRevoked!).body;
    }
  });

  const handle = provider.callback();
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Microsoft puts the tenant (GUID, domain, `organizations` or `common`) first in the path.
    const tenant = TENANT_NAMES.find((t) => req.url?.startsWith(`/${t}/`));
    if (!google && tenant) req.url = req.url!.slice(tenant.length + 1);
    // Its discovery document is under the issuer: /{tenant}/v2.0/.well-known/openid-configuration.
    if (!google && req.url?.startsWith('/v2.0/.well-known/')) req.url = req.url.slice('/v2.0'.length);
    handle(req, res);
  });

  const introspect: TokenVerifier = async (token) => {
    const res = await fetch(`${origin}/introspect`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${RESOURCE_SERVER.id}:${RESOURCE_SERVER.secret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    const info = (await res.json()) as { active: boolean; sub?: string; client_id?: string; scope?: string; token_type?: string; roles?: string[] };
    if (!info.active || info.token_type === 'refresh_token' || !info.client_id) return null;
    const scopes = (info.scope ?? '').split(' ').filter(Boolean);
    // An app-only token has no subject, and roles: what an admin had granted the app when it was issued.
    return { account: info.sub ?? null, clientId: info.client_id, scopes, roles: info.roles ?? [] };
  };

  const tenantPrefix = google ? '' : '/organizations';
  const api: AuthorizationServer = {
    flavour: options.flavour,
    issuer,
    authorizationUrl: `${origin}${tenantPrefix}${paths.authorization}`,
    tokenUrl: `${origin}${tenantPrefix}${paths.token}`,
    mailScope: google ? `${GMAIL_SCOPE} openid email` : `${MICROSOFT_SCOPE} openid email offline_access`,
    authorizeParams: google ? 'access_type=offline&prompt=consent' : '',
    tokenRequests,
    verifyToken: introspect,
    appPermissions: { ...options.appPermissions },
    consent: (authorizationUrl, decision, user) => followConsent(origin, authorizationUrl, decision, user),
    async revokeAll() {
      for (const grantId of grants) {
        await provider.RefreshToken.revokeByGrantId(grantId);
        await provider.AccessToken.revokeByGrantId(grantId);
        await (await provider.Grant.find(grantId))?.destroy();
      }
    },
    async expireAccessTokens() {
      // One by one: the in-memory adapter's revokeByGrantId drops the grant's refresh tokens too.
      for (const token of accessTokens) await token.destroy();
      accessTokens.clear();
    },
    failNextToken(status, body) {
      injected = { status, body };
    },
    tamperNextIdToken(change, tamperOptions) {
      tamper = { change, ...tamperOptions };
    },
    tokenDelayMs: 0,
    hangTokenRequests: false,
    stop: () => api.close(),
    start: () => new Promise((resolve) => http.listen(Number(new URL(origin).port), '127.0.0.1', resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        http.closeAllConnections();
        // Already stopped: nothing listens, and close() says so instead of closing.
        if (!http.listening) return resolve();
        http.close(() => resolve());
      }),
  };
  return api;
}

/**
 * Goes through the provider's own pages as a person in a browser would: the login form (user name and password), the
 * consent form, with the cookies the provider sets, until the provider redirects away to the client's redirect URL.
 */
async function followConsent(origin: string, authorizationUrl: string, decision: 'allow' | 'deny', user?: string): Promise<string> {
  const cookies = new Map<string, string>();
  const login = user ?? new URL(authorizationUrl).searchParams.get('login_hint') ?? 'someone@example.com';
  const request = async (url: string, form?: Record<string, string>) => {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    return res;
  };
  let url = authorizationUrl;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 12; step++) {
    const res = await request(url, form);
    form = undefined;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.origin !== origin) return next.href;
      url = next.href;
      continue;
    }
    const page = await res.text();
    if (res.status !== 200) throw new Error(`the authorization server answered ${res.status}: ${page.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (!action) throw new Error(`no form on the authorization server's page: ${page.slice(0, 300)}`);
    if (page.includes('name="login"')) {
      url = new URL(action.replaceAll('&amp;', '&'), url).href;
      form = { prompt: 'login', login, password: 'the user types a password' };
    } else if (decision === 'deny') {
      url = new URL(/href="([^"]*abort[^"]*)"/.exec(page)![1]!.replaceAll('&amp;', '&'), url).href;
    } else {
      url = new URL(action.replaceAll('&amp;', '&'), url).href;
      form = { prompt: 'consent' };
    }
  }
  throw new Error('the consent did not end at the redirect URL');
}

function directoryClaims(account: DirectoryAccount | undefined, google: boolean): Record<string, unknown> {
  if (!account) return {};
  if (google) return account.hd ? { hd: account.hd } : {};
  return {
    ...(account.roles ? { roles: account.roles } : {}),
    ...(account.groupsOverage
      ? { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${randomUUID()}/getMemberObjects` } } }
      : account.groups
        ? { groups: account.groups }
        : {}),
  };
}

/** The JWT with its claims changed, signed again (RS256) under the same header. */
function resign(jwt: string, change: (claims: Record<string, unknown>) => Record<string, unknown>, key: KeyObject): string {
  const [header, payload] = jwt.split('.');
  const claims = change(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>);
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

function jwtHeader(jwt: string): { x5t?: string } {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as { x5t?: string };
  } catch {
    return {};
  }
}
