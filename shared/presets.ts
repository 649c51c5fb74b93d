import type { MailSettingsInput, Transport } from './mail-settings';

/**
 * Provider presets (docs/providers.md). A preset fills the mail-server fields for a transport and a grant; every field stays
 * editable.
 */
export type ProviderId = 'google' | 'microsoft' | 'custom';
export type OAuthGrant = 'authorization_code' | 'client_credentials';

/** What the provider allows one mailbox: concurrent connections (or HTTP requests) and messages a minute (0: none published). */
export interface SendingLimits {
  maxConnections: number;
  messagesPerMinute: number;
}

export interface ProviderPreset {
  id: ProviderId;
  label: string;
  /** The SMTP server, when the transport is SMTP. */
  smtp: Pick<MailSettingsInput, 'host' | 'port' | 'emailType' | 'tls'>;
  /** `{tenant}` in a URL is replaced by the tenant. */
  oauth: Pick<MailSettingsInput, 'authorizationUrl' | 'tokenUrl' | 'authorizeParams' | 'clientAuthMethod'>;
  /** The scope for each transport and grant the provider offers; a missing grant is one the provider does not offer. */
  scopes: Partial<Record<Transport, Partial<Record<OAuthGrant, string>>>>;
  apiUrls: Partial<Record<Transport, string>>;
  /** Microsoft 365 needs the tenant ID or domain in its endpoints. */
  needsTenant: boolean;
  smtpLimits: SendingLimits;
}

export const PRESETS: Record<ProviderId, ProviderPreset> = {
  google: {
    id: 'google',
    label: 'Google (Gmail, Workspace)',
    smtp: { host: 'smtp.gmail.com', port: 465, emailType: 'smtps', tls: true },
    oauth: {
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      // Without both, Google returns no refresh token after the first consent.
      authorizeParams: 'access_type=offline&prompt=consent',
      clientAuthMethod: 'client_secret_post',
    },
    scopes: {
      // gmail.send is not enough for SMTP: XOAUTH2 needs the full mail scope, a restricted one. `openid email` names the account.
      smtp: { authorization_code: 'https://mail.google.com/ openid email' },
      // The Gmail API sends with gmail.send, a sensitive but not restricted scope.
      'gmail-api': { authorization_code: 'https://www.googleapis.com/auth/gmail.send openid email' },
    },
    apiUrls: { 'gmail-api': 'https://gmail.googleapis.com' },
    needsTenant: false,
    smtpLimits: { maxConnections: 5, messagesPerMinute: 0 },
  },
  microsoft: {
    id: 'microsoft',
    label: 'Microsoft 365',
    smtp: { host: 'smtp.office365.com', port: 587, emailType: 'smtp', tls: true },
    oauth: {
      authorizationUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      authorizeParams: '',
      clientAuthMethod: 'client_secret_post',
    },
    scopes: {
      // Delegated: without offline_access there is no refresh token; `openid email` names the account that signed in.
      // App-only: client credentials take only the resource's `.default`, which stands for the permissions an admin granted.
      smtp: {
        authorization_code: 'https://outlook.office.com/SMTP.Send openid email offline_access',
        client_credentials: 'https://outlook.office365.com/.default',
      },
      graph: {
        authorization_code: 'https://graph.microsoft.com/Mail.Send openid email offline_access',
        client_credentials: 'https://graph.microsoft.com/.default',
      },
    },
    apiUrls: { graph: 'https://graph.microsoft.com/v1.0' },
    needsTenant: true,
    smtpLimits: { maxConnections: 3, messagesPerMinute: 30 },
  },
  custom: {
    id: 'custom',
    label: 'Custom',
    smtp: { host: '', port: 465, emailType: 'smtps', tls: true },
    oauth: { authorizationUrl: '', tokenUrl: '', authorizeParams: '', clientAuthMethod: 'client_secret_basic' },
    scopes: {},
    apiUrls: {},
    needsTenant: false,
    smtpLimits: { maxConnections: 5, messagesPerMinute: 0 },
  },
};

/**
 * The limits of the HTTP APIs, whoever hosts them:
 * - Graph: 4 concurrent requests per app per mailbox (Outlook's MailboxConcurrency limit, "Microsoft Graph service-specific
 *   throttling limits"), and Exchange Online's 30 messages a minute per mailbox, which holds whatever the client.
 * - Gmail API: 15,000 quota units per user per minute, 100 for messages.send ("Usage limits", Gmail API reference): 150
 *   sends a minute. Google publishes no concurrency limit; 5 is the relay's own, as for smtp.gmail.com.
 */
const API_LIMITS: Record<Exclude<Transport, 'smtp'>, SendingLimits> = {
  graph: { maxConnections: 4, messagesPerMinute: 30 },
  'gmail-api': { maxConnections: 5, messagesPerMinute: 150 },
};

export function sendingLimits(settings: { transport: Transport; provider: ProviderId }): SendingLimits {
  return settings.transport === 'smtp' ? PRESETS[settings.provider].smtpLimits : API_LIMITS[settings.transport];
}

/** Which transports and grants a provider's preset fills; a custom provider may use any the schema allows. */
export function offers(id: ProviderId, transport: Transport, grant: OAuthGrant = 'authorization_code'): boolean {
  if (id !== 'custom') return Boolean(PRESETS[id].scopes[transport]?.[grant]);
  return !(transport === 'gmail-api' && grant === 'client_credentials');
}

export type PresetFields = Pick<
  MailSettingsInput,
  | 'transport'
  | 'oauthGrant'
  | 'host'
  | 'port'
  | 'emailType'
  | 'tls'
  | 'apiUrl'
  | 'authorizationUrl'
  | 'tokenUrl'
  | 'scope'
  | 'authorizeParams'
  | 'clientAuthMethod'
>;

/**
 * The fields a preset fills for a transport and grant, with the tenant put into its URLs (`organizations` until one is
 * given; app-only needs the tenant itself, as Microsoft issues client-credentials tokens only for a named tenant).
 */
export function presetFields(id: ProviderId, tenant = '', transport: Transport = 'smtp', grant: OAuthGrant = 'authorization_code'): PresetFields {
  const preset = PRESETS[id];
  const t = encodeURIComponent(tenant.trim() || 'organizations');
  const smtp = transport === 'smtp' ? preset.smtp : { host: '' };
  return {
    transport,
    oauthGrant: grant,
    ...smtp,
    apiUrl: preset.apiUrls[transport] ?? '',
    ...preset.oauth,
    authorizationUrl: grant === 'client_credentials' ? '' : preset.oauth.authorizationUrl?.replace('{tenant}', t),
    tokenUrl: preset.oauth.tokenUrl?.replace('{tenant}', t),
    authorizeParams: grant === 'client_credentials' ? '' : preset.oauth.authorizeParams,
    scope: preset.scopes[transport]?.[grant] ?? '',
  };
}
