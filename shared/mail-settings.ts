import * as v from 'valibot';
import { hasUnsafeText } from './text';

/**
 * The mail-server page's fields, validated by one schema on both sides: the popup validates as the admin
 * types, the relay validates every PUT. Secrets (password, client secret, proxy password) are write-only:
 * omitted keeps the stored value, `null` clears it, and reads only say whether each is set.
 */

export const SECRET_FIELDS = ['password', 'clientSecret', 'clientPrivateKey', 'proxyPassword'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const IPV6_LITERAL = /^[0-9a-f:.]+$/i;
const PEM_CERTIFICATE = /^\s*(-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\s*)+$/;
const PEM_PRIVATE_KEY = /^\s*-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+?-----END (RSA )?PRIVATE KEY-----\s*$/;

/** A line of text that ends up in a header, a mail or a log: no CR, LF, control or invisible format characters (shared/text.ts). */
export const singleLine = (field: string, max: number) =>
  v.pipe(
    v.string(`${field} must be text.`),
    v.trim(),
    v.maxLength(max, `${field} must be at most ${max} characters.`),
    v.check((s) => !hasUnsafeText(s), `${field} must be a single line, without line breaks, control characters or invisible formatting characters.`),
  );

const emailAddress = (field: string) =>
  v.pipe(
    v.string(`${field} must be text.`),
    v.trim(),
    v.maxLength(254, `${field} must be at most 254 characters.`),
    v.email(`${field} must be an email address such as alerts@example.com.`),
  );

/** Loopback http is accepted for development and tests; anything that crosses a network must be https. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export const endpointUrl = (field: string) =>
  v.pipe(
    singleLine(field, 2048),
    v.check((s) => {
      if (s === '') return true;
      if (!URL.canParse(s)) return false;
      const url = new URL(s);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    }, `${field} must be an https:// URL (http:// only on loopback).`),
  );

const proxyUrl = v.pipe(
  singleLine('Proxy', 2048),
  v.check((s) => {
    if (s === '') return true;
    if (!URL.canParse(s)) return false;
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.pathname === '/';
  }, 'Proxy must look like http://proxy.example.com:3128, with the user name and password in their own fields.'),
);

const secret = (field: string, max: number) =>
  v.optional(
    v.nullable(
      v.pipe(
        v.string(`${field} must be text.`),
        v.minLength(1, `${field} must not be empty: omit it to keep the stored value, or send null to clear it.`),
        v.maxLength(max, `${field} must be at most ${max} characters.`),
      ),
    ),
  );

/** Parameters the relay sets itself on the authorization URL; a preset's extra parameters may not override them. */
const RESERVED_AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'login_hint'];

/** How alert mail leaves the relay: SMTP, or a provider's HTTPS API where SMTP AUTH is switched off. */
export const TRANSPORTS = ['smtp', 'graph', 'gmail-api'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const mailSettingsEntries = {
  transport: v.optional(v.picklist(TRANSPORTS, 'Transport must be "smtp", "graph" (Microsoft Graph) or "gmail-api".'), 'smtp'),
  provider: v.optional(v.picklist(['google', 'microsoft', 'custom'], 'Provider must be "google", "microsoft" or "custom".'), 'custom'),
  tenant: v.optional(v.pipe(singleLine('Tenant', 256), v.regex(/^[\w.-]*$/, 'Tenant must be a tenant ID or a domain such as contoso.onmicrosoft.com.')), ''),
  authType: v.picklist(['oauth', 'basic'], 'Authentication type must be "oauth" or "basic".'),
  /**
   * How the relay gets its OAuth tokens: an account's consent (authorization code), or the application's own identity
   * (client credentials: Microsoft 365 app-only, no user to leave the company and take the grant with them).
   */
  oauthGrant: v.optional(
    v.picklist(
      ['authorization_code', 'client_credentials'],
      'OAuth grant must be "authorization_code" (an account consents) or "client_credentials" (app-only).',
    ),
    'authorization_code',
  ),
  /** Only for the SMTP transport. */
  host: v.optional(
    v.pipe(
      v.string('Server name must be text.'),
      v.trim(),
      v.check(
        (s) => s === '' || HOST_NAME.test(s) || (s.includes(':') && IPV6_LITERAL.test(s)),
        'Server name must be a host name or IP address, without a scheme or port.',
      ),
    ),
    '',
  ),
  port: v.optional(
    v.pipe(
      v.number('Port must be a number.'),
      v.integer('Port must be a whole number.'),
      v.minValue(1, 'Port must be between 1 and 65535 (465 for SMTPS, 587 for SMTP with TLS).'),
      v.maxValue(65535, 'Port must be between 1 and 65535 (465 for SMTPS, 587 for SMTP with TLS).'),
    ),
    465,
  ),
  emailType: v.optional(v.picklist(['smtps', 'smtp'], 'Email type must be "smtps" or "smtp".'), 'smtps'),
  tls: v.optional(v.boolean('TLS must be true or false.'), true),
  /** The API's base URL for the Graph and Gmail API transports; tests and sovereign clouds point it elsewhere. */
  apiUrl: v.optional(endpointUrl('API URL'), ''),
  senderName: v.optional(singleLine('Sender name', 100), ''),
  senderAddress: emailAddress('Sender address'),
  testAddress: v.optional(v.union([v.literal(''), emailAddress('Test address')], 'Test address must be an email address such as it@example.com.'), ''),
  requiresAuth: v.optional(v.boolean('"Requires authentication" must be true or false.'), false),
  username: v.optional(singleLine('User name', 256), ''),
  password: secret('Password', 1024),
  allowInsecureAuth: v.optional(v.boolean('"Allow insecure authentication" must be true or false.'), false),
  /** Send the proxy password to an http:// proxy, in clear: only for a proxy on a trusted network. */
  allowInsecureProxyAuth: v.optional(v.boolean('"Allow insecure proxy authentication" must be true or false.'), false),
  caCertificate: v.optional(
    v.pipe(
      v.string('CA certificate must be text.'),
      v.maxLength(32_768, 'CA certificate must be at most 32 KB of PEM.'),
      v.check((s) => s === '' || PEM_CERTIFICATE.test(s), 'CA certificate must be PEM: -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----.'),
    ),
    '',
  ),
  clientId: v.optional(singleLine('Client ID', 512), ''),
  clientSecret: secret('Client secret', 2048),
  /** `private_key_jwt`: the certificate uploaded to the app registration, and its private key (a secret). */
  clientCertificate: v.optional(
    v.pipe(
      v.string('Client certificate must be text.'),
      v.maxLength(16_384, 'Client certificate must be at most 16 KB of PEM.'),
      v.check((s) => s === '' || PEM_CERTIFICATE.test(s), 'Client certificate must be PEM: -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----.'),
    ),
    '',
  ),
  clientPrivateKey: v.optional(
    v.nullable(
      v.pipe(
        v.string('Client private key must be text.'),
        v.maxLength(16_384, 'Client private key must be at most 16 KB of PEM.'),
        v.regex(PEM_PRIVATE_KEY, 'Client private key must be an unencrypted RSA key in PEM: -----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----.'),
      ),
    ),
  ),
  authorizationUrl: v.optional(endpointUrl('Authorization URL'), ''),
  tokenUrl: v.optional(endpointUrl('Token URL'), ''),
  scope: v.optional(singleLine('Scope', 1024), ''),
  authorizeParams: v.optional(
    v.pipe(
      singleLine('Authorize parameters', 1024),
      v.check(
        (s) => [...new URLSearchParams(s).keys()].every((key) => !RESERVED_AUTHORIZE_PARAMS.includes(key)),
        `Authorize parameters must not set ${RESERVED_AUTHORIZE_PARAMS.join(', ')}: the relay sets those.`,
      ),
    ),
    '',
  ),
  clientAuthMethod: v.optional(
    v.picklist(
      ['client_secret_post', 'client_secret_basic', 'private_key_jwt', 'none'],
      'Client authentication must be "client_secret_post", "client_secret_basic", "private_key_jwt" (a certificate) or "none".',
    ),
    'client_secret_basic',
  ),
  proxyUrl: v.optional(proxyUrl, ''),
  proxyUsername: v.optional(singleLine('Proxy user name', 256), ''),
  proxyPassword: secret('Proxy password', 1024),
};

const OAUTH_FIELD_LABELS = {
  clientId: 'Client ID',
  authorizationUrl: 'Authorization URL',
  tokenUrl: 'Token URL',
  scope: 'Scope',
} as const;

/** Whether these settings send credentials over SMTP at all: a password, or an OAuth token. */
export const authenticates = (s: { transport: string; authType: string; requiresAuth: boolean }) =>
  s.transport === 'smtp' && (s.authType === 'oauth' || s.requiresAuth);

/**
 * Whether credentials may go on this SMTP connection: only encrypted, unless the admin explicitly allowed insecure
 * authentication. Checked when settings are saved, and again by the relay at every send. (The API transports are
 * HTTPS by the URL's own rule.)
 */
export const mayAuthenticate = (s: { emailType: string; tls: boolean; allowInsecureAuth: boolean }) => s.emailType === 'smtps' || s.tls || s.allowInsecureAuth;

/** How each transport is named to admins. */
export const TRANSPORT_NAMES: Record<Transport, string> = { smtp: 'SMTP', graph: 'Microsoft Graph', 'gmail-api': 'Gmail API' };

/** Where mail goes, in a few words: "smtp.office365.com:587 (SMTP)" or "Microsoft Graph (https://graph.microsoft.com/v1.0)". */
export function mailDestination(s: { transport: Transport; host: string; port: number; emailType: string; apiUrl: string }): string {
  return s.transport === 'smtp' ? `${s.host}:${s.port} (${s.emailType.toUpperCase()})` : `${TRANSPORT_NAMES[s.transport]} (${s.apiUrl})`;
}

/** Whether the relay needs an account's consent: OAuth with the authorization-code grant. */
export const needsConsent = (s: { authType: string; oauthGrant: string }) => s.authType === 'oauth' && s.oauthGrant === 'authorization_code';

/** The PUT body of /api/v1/mail-settings, and the popup's form. Unknown fields are refused. */
export const MailSettingsInput = v.pipe(
  v.strictObject(mailSettingsEntries, 'Unknown field: remove it.'),
  v.forward(
    v.partialCheck([['transport'], ['host']], (s) => s.transport !== 'smtp' || s.host !== '', 'Server name is required, for example smtp.office365.com.'),
    ['host'],
  ),
  v.forward(
    v.partialCheck(
      [['transport'], ['apiUrl']],
      (s) => s.transport === 'smtp' || s.apiUrl !== '',
      'API URL is required for this transport, for example https://graph.microsoft.com/v1.0.',
    ),
    ['apiUrl'],
  ),
  v.forward(
    v.partialCheck(
      [['transport'], ['authType']],
      (s) => s.transport === 'smtp' || s.authType === 'oauth',
      'Microsoft Graph and the Gmail API accept only OAuth tokens: choose OAuth as the authentication type.',
    ),
    ['authType'],
  ),
  // Google gives Gmail to an application only through a service account with domain-wide delegation, never a client secret.
  v.forward(
    v.partialCheck(
      [['transport'], ['oauthGrant']],
      (s) => s.transport !== 'gmail-api' || s.oauthGrant === 'authorization_code',
      'The Gmail API has no app-only access with a client secret: choose the delegated grant, where the sending account consents.',
    ),
    ['oauthGrant'],
  ),
  v.forward(
    v.partialCheck(
      [['authType'], ['oauthGrant'], ['clientAuthMethod']],
      (s) => s.authType !== 'oauth' || s.oauthGrant !== 'client_credentials' || s.clientAuthMethod !== 'none',
      'App-only access authenticates the application itself: choose a client secret or a certificate.',
    ),
    ['clientAuthMethod'],
  ),
  v.forward(
    v.partialCheck(
      [['clientAuthMethod'], ['clientCertificate']],
      (s) => s.clientAuthMethod !== 'private_key_jwt' || s.clientCertificate !== '',
      'Client certificate is required for certificate authentication: paste the certificate uploaded to the app registration.',
    ),
    ['clientCertificate'],
  ),
  v.forward(
    v.partialCheck(
      [['authType'], ['requiresAuth'], ['username']],
      (s) => s.authType !== 'basic' || !s.requiresAuth || s.username !== '',
      'User name is required when the server requires authentication.',
    ),
    ['username'],
  ),
  v.forward(
    v.partialCheck([['authType'], ['clientId']], (s) => s.authType !== 'oauth' || s.clientId !== '', `${OAUTH_FIELD_LABELS.clientId} is required for OAuth.`),
    ['clientId'],
  ),
  v.forward(
    v.partialCheck(
      [['authType'], ['oauthGrant'], ['authorizationUrl']],
      (s) => s.authType !== 'oauth' || s.oauthGrant === 'client_credentials' || s.authorizationUrl !== '',
      `${OAUTH_FIELD_LABELS.authorizationUrl} is required for OAuth with an account's consent.`,
    ),
    ['authorizationUrl'],
  ),
  v.forward(
    v.partialCheck([['authType'], ['tokenUrl']], (s) => s.authType !== 'oauth' || s.tokenUrl !== '', `${OAUTH_FIELD_LABELS.tokenUrl} is required for OAuth.`),
    ['tokenUrl'],
  ),
  v.forward(
    v.partialCheck([['authType'], ['scope']], (s) => s.authType !== 'oauth' || s.scope !== '', `${OAUTH_FIELD_LABELS.scope} is required for OAuth.`),
    ['scope'],
  ),
  // A proxy password to an http:// proxy crosses the network in clear (Basic authentication in CONNECT).
  v.forward(
    v.partialCheck(
      [['proxyUrl'], ['proxyUsername'], ['allowInsecureProxyAuth']],
      (s) => !s.proxyUsername || !s.proxyUrl.startsWith('http://') || isLoopbackHost(new URL(s.proxyUrl).hostname) || s.allowInsecureProxyAuth,
      'Use an https:// proxy URL: the proxy password would cross the network unencrypted to an http:// proxy. Only for a proxy on a trusted network, allow insecure proxy authentication explicitly.',
    ),
    ['proxyUrl'],
  ),
  // A password or token on a plaintext connection can be read by anyone on the path.
  v.forward(
    v.partialCheck(
      [['transport'], ['authType'], ['requiresAuth'], ['emailType'], ['tls'], ['allowInsecureAuth']],
      (s) => !authenticates(s) || mayAuthenticate(s),
      'Turn on TLS (or choose SMTPS): without it the credentials would cross the network unencrypted. Only for a trusted internal server, allow insecure authentication explicitly.',
    ),
    ['tls'],
  ),
);

export type MailSettingsInput = v.InferInput<typeof MailSettingsInput>;
export type MailSettingsParsed = v.InferOutput<typeof MailSettingsInput>;

/** The stored settings without any secret. */
export type MailSettings = Omit<MailSettingsParsed, SecretField>;

/** What GET /api/v1/mail-settings answers: the settings, and for each secret only whether it is set. */
export interface MailSettingsView extends MailSettings {
  secretsSet: Record<SecretField, boolean>;
}

/** Body of POST /api/v1/mail-settings/test. */
export const TestMailInput = v.strictObject({ to: v.optional(emailAddress('Recipient')) }, 'Unknown field: only "to" is accepted.');

/** Answer of POST /api/v1/mail-settings/test. */
export interface TestMailResult {
  messageId: string;
  to: string;
  /** The mail server's final answer, e.g. "250 2.0.0 OK queued as ...". */
  serverResponse: string;
  accepted: string[];
}
