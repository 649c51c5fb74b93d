import { errorCodes, type ErrorCode } from '../../shared/errors';
import type { ClientErrorCode } from '../utils/client-errors';

/** Every UI string; `$1`… are filled by `t()`. Spanish (es.ts) must have the same keys. */
export const ui = {
  title: 'Guardmail',
  loading: 'Loading…',
  connectionHeading: 'Relay',
  relayUrl: 'Relay URL',
  relayUrlHelp: 'The address the relay printed when it started, e.g. https://guardmail.example.com',
  adminToken: 'Admin token',
  adminTokenHelp: 'Printed once by the relay on its first start.',
  connect: 'Connect',
  connecting: 'Connecting…',
  change: 'Change',
  connectedTo: 'Connected to $1',
  setByPolicy: 'Set by your organization’s policy',
  mailServerHeading: 'Mail server',
  provider: 'Provider',
  providerGoogle: 'Google (Gmail, Workspace)',
  providerMicrosoft: 'Microsoft 365',
  providerCustom: 'Custom',
  tenant: 'Tenant',
  tenantHelp: 'Your Microsoft 365 tenant ID or domain, e.g. contoso.onmicrosoft.com',
  authType: 'Authentication',
  authOAuth: 'OAuth 2.0 (recommended)',
  authBasic: 'User name and password',
  host: 'Server name',
  port: 'Port',
  emailType: 'Email type',
  smtps: 'SMTPS (recommended: encrypted from the start, usually port 465)',
  smtp: 'SMTP (usually port 587)',
  tls: 'Require TLS (STARTTLS)',
  senderName: 'Sender name',
  senderAddress: 'Sender address',
  testAddress: 'Test address',
  requiresAuth: 'The server requires authentication',
  username: 'User name',
  password: 'Password',
  secretSaved: 'Saved. Leave empty to keep it.',
  allowInsecureAuth: 'Allow credentials without TLS (trusted internal server only)',
  caCertificate: 'CA certificate (PEM, optional)',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  authorizationUrl: 'Authorization URL',
  tokenUrl: 'Access token URL',
  scope: 'Scope',
  authorizeParams: 'Extra authorize parameters',
  clientAuthMethod: 'Client secret sent',
  clientSecretPost: 'In the request body',
  clientSecretBasic: 'As HTTP Basic',
  clientNone: 'Not sent (public client)',
  proxyHeading: 'Proxy for the authorization server (optional)',
  proxyUrl: 'Proxy URL',
  proxyUsername: 'Proxy user name',
  proxyPassword: 'Proxy password',
  advanced: 'Advanced',
  redirectUrl: 'Redirect URL',
  redirectHelp: 'Register this exact URL with your authorization server: Microsoft Entra › App registrations › Authentication › Web; Google Cloud › Credentials › Web application › Authorized redirect URIs.',
  copy: 'Copy',
  copied: 'Copied',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved.',
  fixFields: 'Correct the highlighted fields.',
  consentRunning: 'Consent window open: sign in with the sending mailbox and accept.',
  connectedAs: 'Connected as $1',
  reauthorize: 'Re-authorize',
  statusHeading: 'Status',
  refresh: 'Refresh',
  statusServer: 'Mail server',
  statusAccount: 'Account',
  statusNotConnected: 'No account connected yet: click Re-authorize and accept the consent window.',
  statusTokenExpiry: 'Access token valid until',
  statusAutoRefresh: 'Renewed automatically before it expires.',
  statusReauthRequired: 'Re-authorization required: $1',
  statusLastDelivery: 'Last delivery',
  statusLastFailure: 'Last failure',
  notConfigured: 'Not configured yet.',
  never: 'Never',
  sendTest: 'Send test mail',
  sending: 'Sending…',
  testSent: 'Sent to $1. The server answered: $2',
  serverSaid: 'The server said: $1',
  whatToDo: 'What to do: $1',
  consentGuidanceMismatch: 'If the window showed an error such as "redirect_uri_mismatch" or AADSTS50011, the redirect URL below is not registered: add it exactly, with its trailing slash.',
} as const;

export type UiKey = keyof typeof ui;
export type UiCatalog = Record<UiKey, string>;

export interface ErrorText {
  message: string;
  hint: string;
}

export const clientErrors: Record<ClientErrorCode, ErrorText> = {
  RELAY_NOT_SET: { message: 'The popup is not connected to a relay.', hint: 'Enter the relay URL and the admin token.' },
  RELAY_URL_INSECURE: {
    message: 'The relay URL uses plain http:// on the network.',
    hint: 'Use https://: the admin token and the client secret would otherwise cross the network unencrypted. Plain http:// is accepted only for this computer (127.0.0.1, localhost).',
  },
  RELAY_UNREACHABLE: { message: 'The relay cannot be reached.', hint: 'Check the URL, that the relay is running, and that it allows this extension (GUARDMAIL_EXTENSION_ORIGINS).' },
  RELAY_VERSION_MISMATCH: { message: 'The relay speaks another version of the API.', hint: 'Update the extension or the relay so both speak API v1.' },
  RELAY_BAD_ANSWER: { message: 'The address answered, but not as a Guardmail relay.', hint: 'Check the relay URL.' },
  CONSENT_WINDOW_CLOSED: {
    message: 'The consent window was closed before it finished.',
    hint: 'Click Save again and accept in the window.',
  },
  CONSENT_PAGE_UNLOADABLE: {
    message: 'The authorization page could not be loaded.',
    hint: 'Check the authorization URL, the client ID and the network.',
  },
  CONSENT_IN_PROGRESS: { message: 'A consent window is already open.', hint: 'Finish or close it first.' },
  CONSENT_FAILED: { message: 'The consent did not complete.', hint: 'Try again.' },
};

/** English error texts: the relay's own table, so the two never drift, plus the extension's. */
export const errors: Record<ErrorCode | ClientErrorCode, ErrorText> = {
  ...Object.fromEntries(Object.entries(errorCodes).map(([code, spec]) => [code, { message: spec.message, hint: spec.hint }])),
  ...clientErrors,
} as Record<ErrorCode | ClientErrorCode, ErrorText>;
