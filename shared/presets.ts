import type { MailSettingsInput } from './mail-settings';

/**
 * Provider presets (PROVIDERS.md). A preset fills the mail-server fields; every field stays editable.
 */
export type ProviderId = 'google' | 'microsoft' | 'custom';

export interface ProviderPreset {
  id: ProviderId;
  label: string;
  /** The fields the preset fills; `{tenant}` in a URL is replaced by the tenant. */
  settings: Pick<
    MailSettingsInput,
    'host' | 'port' | 'emailType' | 'tls' | 'authorizationUrl' | 'tokenUrl' | 'scope' | 'authorizeParams' | 'clientAuthMethod'
  >;
  /** Microsoft 365 needs the tenant ID or domain in its endpoints. */
  needsTenant: boolean;
  /** Concurrent SMTP connections the provider allows per mailbox. */
  maxConnections: number;
  /** Messages per minute the provider allows per mailbox; 0 when it publishes no limit. */
  messagesPerMinute: number;
}

export const PRESETS: Record<ProviderId, ProviderPreset> = {
  google: {
    id: 'google',
    label: 'Google (Gmail, Workspace)',
    settings: {
      host: 'smtp.gmail.com',
      port: 465,
      emailType: 'smtps',
      tls: true,
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      // gmail.send is not enough for SMTP: XOAUTH2 needs the full mail scope. `openid email` names the account that signed in.
      scope: 'https://mail.google.com/ openid email',
      // Without both, Google returns no refresh token after the first consent.
      authorizeParams: 'access_type=offline&prompt=consent',
      clientAuthMethod: 'client_secret_post',
    },
    needsTenant: false,
    maxConnections: 5,
    messagesPerMinute: 0,
  },
  microsoft: {
    id: 'microsoft',
    label: 'Microsoft 365',
    settings: {
      host: 'smtp.office365.com',
      port: 587,
      emailType: 'smtp',
      tls: true,
      authorizationUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      // Without offline_access there is no refresh token. `openid email` names the account that signed in.
      scope: 'https://outlook.office.com/SMTP.Send openid email offline_access',
      authorizeParams: '',
      clientAuthMethod: 'client_secret_post',
    },
    needsTenant: true,
    maxConnections: 3,
    messagesPerMinute: 30,
  },
  custom: {
    id: 'custom',
    label: 'Custom',
    settings: { host: '', port: 465, emailType: 'smtps', tls: true, authorizationUrl: '', tokenUrl: '', scope: '', authorizeParams: '', clientAuthMethod: 'client_secret_basic' },
    needsTenant: false,
    maxConnections: 5,
    messagesPerMinute: 0,
  },
};

/** The fields a preset fills, with the tenant put into its URLs (`organizations` until one is given). */
export function presetFields(id: ProviderId, tenant = ''): ProviderPreset['settings'] {
  const { settings } = PRESETS[id];
  const t = encodeURIComponent(tenant.trim() || 'organizations');
  return {
    ...settings,
    authorizationUrl: settings.authorizationUrl?.replace('{tenant}', t),
    tokenUrl: settings.tokenUrl?.replace('{tenant}', t),
  };
}
