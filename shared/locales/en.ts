import type { ClientErrorCode, ErrorCode } from '../errors';

/**
 * Every text a person reads, in English: the popup (`ui`, filled by `t()`), error messages and hints (`errors`),
 * what the checks say (`checks`) and the alert mail (`mail`). Every other language has a file like this one with the
 * same keys and placeholders (locales.test.ts); adding one is adding a file and its code to LANGS in lang.ts.
 */
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
  connectedTo: 'Connected to {url}',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signInHelp: 'With your company account, where the relay is set up for it. Or give an admin token:',
  signedInAs: 'signed in as {name}',
  signOut: 'Sign out',
  setByPolicy: 'Set by your organization’s policy',
  mailServerHeading: 'Mail server',
  provider: 'Provider',
  transport: 'Send through',
  transportSmtp: 'SMTP',
  transportGraph: 'Microsoft Graph API',
  transportGmailApi: 'Gmail API',
  transportSmtpHelp: 'SMTP AUTH off in your tenant (new tenants, security defaults)? Choose Microsoft Graph.',
  transportApiHelp: 'Over HTTPS with an OAuth token: no SMTP server or port.',
  oauthGrant: 'Who signs in',
  grantDelegated: 'A mailbox account (delegated)',
  grantAppOnly: 'The application itself (app-only)',
  appOnlyNoRedirect:
    'App-only needs no redirect URL and no consent window: an administrator grants the application permission once, and the relay signs in with the client secret.',
  apiUrl: 'API URL',
  apiUrlHelp: 'Change it only for a national cloud (e.g. https://graph.microsoft.us/v1.0).',
  permissionsGraphDelegated:
    'Permissions: Microsoft Entra › App registrations › your app › API permissions › Microsoft Graph › Delegated: Mail.Send, offline_access, openid, email. Select "Grant admin consent" if your tenant does not let users consent.',
  permissionsGraphApp:
    'Permissions: Microsoft Entra › App registrations › your app › API permissions › Microsoft Graph › Application permissions: Mail.Send, then "Grant admin consent". It can send as any mailbox: limit it to the sender with an application access policy or RBAC for Applications.',
  permissionsSmtpDelegated:
    'Permissions: Microsoft Entra › App registrations › your app › API permissions › Office 365 Exchange Online (or Microsoft Graph) › Delegated: SMTP.Send, offline_access, openid, email. SMTP AUTH must be on for the mailbox.',
  permissionsSmtpApp:
    'Permissions: Office 365 Exchange Online › Application permissions: SMTP.SendAsApp, then "Grant admin consent". Then in Exchange Online PowerShell: New-ServicePrincipal -AppId <client ID> -ObjectId <enterprise app object ID>; Add-MailboxPermission -Identity <sender> -User <service principal ID> -AccessRights FullAccess.',
  permissionsGmailApi:
    'Permissions: Google Cloud console › APIs & Services › enable the Gmail API; OAuth consent screen › scopes: https://www.googleapis.com/auth/gmail.send (sensitive, not restricted); Credentials › Web application client with the redirect URL below.',
  permissionsGmailSmtp:
    'Permissions: Google Cloud console › OAuth consent screen › scopes: https://mail.google.com/ (a restricted scope: the Gmail API needs only gmail.send); Credentials › Web application client with the redirect URL below.',
  statusAppOnly: 'App-only: no account signs in; the relay gets a token with the client secret at each send.',
  providerGoogle: 'Google (Gmail, Workspace)',
  providerMicrosoft: 'Microsoft 365',
  providerCustom: 'Custom',
  tenant: 'Tenant',
  tenantHelp: 'Tenant ID or domain, e.g. contoso.onmicrosoft.com',
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
  allowInsecureProxyAuth: 'Allow the proxy password over http:// (trusted network only)',
  caCertificate: 'CA certificate (PEM, optional)',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  clientCertificate: 'Client certificate (PEM)',
  clientCertificateHelp: 'The certificate uploaded to the app registration (Certificates & secrets › Certificates).',
  clientPrivateKey: 'Client private key (PEM)',
  clientPrivateKeyHelp: 'Its unencrypted RSA private key. It goes to the relay, sealed; never kept in the browser.',
  clientPrivateKeyJwt: 'A certificate (private_key_jwt, recommended by Microsoft)',
  authorizationUrl: 'Authorization URL',
  tokenUrl: 'Access token URL',
  scope: 'Scope',
  authorizeParams: 'Extra authorize parameters',
  clientAuthMethod: 'The application signs in with',
  clientSecretPost: 'Its client secret, in the request body',
  clientSecretBasic: 'Its client secret, as HTTP Basic',
  clientNone: 'Nothing (public client)',
  proxyHeading: 'Proxy for the authorization server and the mail API (optional)',
  proxyUrl: 'Proxy URL',
  proxyUsername: 'Proxy user name',
  proxyPassword: 'Proxy password',
  advanced: 'Advanced',
  redirectUrl: 'Redirect URL',
  redirectHelp:
    'Register this exact URL with your authorization server: Microsoft Entra › App registrations › Authentication › Web; Google Cloud › Credentials › Web application › Authorized redirect URIs.',
  copy: 'Copy',
  copied: 'Copied',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved.',
  fixFields: 'Correct the highlighted fields.',
  consentRunning: 'Consent window open: sign in with the sending mailbox and accept.',
  connectedAs: 'Connected as {account}',
  connectedUnnamed: 'Connected. The provider did not name the account: add openid email to the scope to see it.',
  accountUnnamed: 'Not named by the provider (add openid email to the scope)',
  sendsAsAnother: 'Connected as {account}; mail is sent as {sender}: sign in as {sender}, or give {account} Send As rights on {sender}.',
  reauthorize: 'Re-authorize',
  statusHeading: 'Status',
  tabsLabel: 'Relay',
  tabStatus: 'Status',
  tabMail: 'Mail server',
  tabAlerts: 'Alerts',
  tabFleet: 'Fleet',
  tabExtensions: 'Extensions',
  openInTab: 'Open in a tab',
  goTo: 'Go to {tab}',
  attentionHeading: 'Needs attention',
  attentionCount: '({count} need attention)',
  attentionNone: 'Nothing needs attention: mail goes out and no browser is at risk.',
  'attention_mail-not-configured': 'The mail server is not set up: no alert can be mailed.',
  'attention_no-recipients': 'The alert policy has no recipient: alerts wait.',
  'attention_failed-alerts': 'Alerts that failed: {count}.',
  attention_vulnerable: 'Browsers highly or very highly vulnerable: {count}.',
  'attention_stopped-reporting': 'Browsers that stopped reporting: {count}.',
  'attention_release-stale': 'Release data is missing or old: browser versions may be misjudged.',
  statusBrowsers: 'Browsers',
  statusBrowsersValue: '{count}, of which {risky} at high risk',
  permissionsSummary: 'Permissions to grant the application',
  endpoints: 'Server and endpoints',
  endpointsOf: 'Server and endpoints: {server}',
  refresh: 'Refresh',
  statusServer: 'Mail server',
  statusAccount: 'Account',
  'attention_not-connected': 'No account connected yet: click Re-authorize and accept the consent window.',
  statusTokenExpiry: 'Access token valid until',
  statusAutoRefresh: 'Renewed automatically before it expires.',
  attention_reauth: 'Re-authorization required: {reason}',
  statusLastDelivery: 'Last delivery',
  statusLastFailure: 'Last failure',
  deliveryDelayed: 'Alert mail delayed since {since}. It is retried until the fix below is made.',
  notConfigured: 'Not configured yet.',
  never: 'Never',
  sendTest: 'Send test mail',
  sending: 'Sending…',
  testSent: 'Sent to {to}. The server answered: {answer}',
  serverSaid: 'The server said: {answer}',
  whatToDo: 'What to do: {hint}',
  errorUnexpected: 'Something went wrong in the extension.',
  errorUnexpectedHint: 'Try again; if it happens again, reload the extension and note what you did.',
  consentGuidanceMismatch:
    'If the window showed an error such as "redirect_uri_mismatch" or AADSTS50011, the redirect URL below is not registered: add it exactly, with its trailing slash.',
  thisBrowserHeading: 'This browser',
  notManaged: 'Not managed: no relay URL is set by policy, so this browser reports nothing. Checked here with the default rules:',
  reportsTo: 'Reports to {url}. Last verdict, {at}:',
  noReportYet: 'Reports to {url}. No verdict yet; checked here with the default rules:',
  level_very_high: 'Very highly vulnerable',
  level_high: 'Highly vulnerable',
  level_low: 'Low risk',
  level_secure: 'Secure',
  compliant: 'Compliant',
  nonCompliant: 'Non-compliant',
  noFindings: 'Nothing to fix.',
  alertPolicyHeading: 'Alerts',
  recipients: 'Recipients',
  recipientsHelp: 'One address per line.',
  threshold: 'Alert from',
  cooldownMinutes: 'Repeat after (minutes)',
  groupingWindowSeconds: 'Group alerts within (seconds)',
  language: 'Mail language',
  languageEn: 'English',
  languageEs: 'Spanish',
  minimumVersions: 'Minimum versions',
  minimumVersionsHelp: 'One per line, e.g. Chrome=131.0.6778.85',
  extensionRiskThreshold: 'Extension risk score that makes a browser highly vulnerable',
  extensionRiskThresholdHelp: 'From 1 to 100: the Extensions tab shows each score and its points.',
  maxMajorsBehind: "Major versions a browser may lag behind the fleet's newest (without vendor release data)",
  releaseGraceDays: 'Days a browser may run a version its vendor has superseded',
  releaseBasisVendor: "Browser versions are judged against the vendors' release data: {sources}.",
  releaseBasisFleet: 'No vendor release data yet: browser versions are judged against the newest that enough of the fleet runs.',
  releaseFetched: '{source} fetched {at}',
  releaseMissing: '{source} missing',
  releaseStale: "Some release data is missing or old; the relay's /readyz says why (its proxy, or import-feeds on a site without internet).",
  baselines: 'Audit browser settings against',
  baselineStig: 'DISA STIG (Chrome or Edge)',
  baselineCisL1: 'CIS Google Chrome, level 1',
  baselineCisL2: 'CIS Google Chrome, level 2 (includes level 1)',
  baselinesHelp:
    'A setting that breaks a rule of a chosen benchmark (the wrong value, or one left to the user instead of fixed by policy) is a low-risk finding naming the rule. With none chosen, only Safe Browsing off counts.',
  allowlist: 'Allowed extensions',
  blocklist: 'Blocked extensions',
  extensionIdsHelp: 'One extension ID per line.',
  allowlistHelp: 'One per line: an extension ID, ID=version for one version, or permission:name (permission:cookies) for a permission on any extension.',
  fleetHeading: 'Fleet',
  openConsole: 'Every device, with search and filters',
  openDevice: 'Open {label} in the console',
  fleetChart: 'Browsers per level',
  mostVulnerable: 'Most vulnerable',
  findingsCount: '{count} findings',
  findingsOne: '1 finding',
  noDevices: 'No browser has reported yet.',
  failedAlerts: 'Failed alerts',
  stoppedReporting: 'stopped reporting',
  stoppedReportingCount: 'Stopped reporting',
  retryFailedAlerts: 'Send failed alerts again',
  deviceId: 'Device ID',
  deviceIdHelp: 'Pick a device above, or paste the ID from the audit log.',
  forgetDevice: 'Forget it',
  sameIdAs: "reported under another device's ID with another key: a reinstalled browser, or one pretending",
  reportsRefused: 'reports refused ({reasons})',
  refusal_unsigned: 'unsigned',
  refusal_stale: 'signed at a wrong time',
  refusal_invalid: 'bad signature',
  refusal_replayed: 'replayed',
  deviceForgotten: 'Device forgotten: it comes back if it reports again.',
  pendingAlerts: 'Alerts waiting',
  auditBy: '{actor} ({role})',
  readOnly: 'Your role ({role}) can read this; changing it needs {needed}.',
  actingAs: 'Acting as {name} ({role})',
  auditHeading: 'Recent changes',
  'audit_mail-settings.updated': 'Mail settings changed',
  'audit_alert-policy.updated': 'Alert policy changed',
  'audit_oauth.consent-granted': 'Consent granted',
  'audit_oauth.disconnected': 'Account disconnected',
  'audit_oauth.reauthorization-required': 'Re-authorization required',
  'audit_secret-key.rotated': 'Encryption key rotated',
  'audit_alerts.retried': 'Failed alerts sent again',
  'audit_devices.admission-limited': 'New devices held back (admission limit)',
  'audit_device.report-refused': 'Report refused for a device (see its last refusal in the fleet)',
  'audit_device.forgotten': 'Device forgotten',
  'audit_deployment.policy-written': 'Deployment policy downloaded',
  'audit_api-token.created': 'API token created',
  'audit_api-token.revoked': 'API token revoked',
} as const;

export type UiKey = keyof typeof ui;
export type UiCatalog = Record<UiKey, string>;

export interface ErrorText {
  message: string;
  hint: string;
}

export const clientErrors: Record<ClientErrorCode, ErrorText> = {
  RELAY_NOT_SET: { message: 'The popup is not connected to a relay.', hint: 'Enter the relay URL, then sign in or give an admin token.' },
  RELAY_URL_INSECURE: {
    message: 'The relay URL uses plain http:// on the network.',
    hint: 'Use https://: the admin token and the client secret would otherwise cross the network unencrypted. Plain http:// is accepted only for this computer (127.0.0.1, localhost).',
  },
  RELAY_UNREACHABLE: {
    message: 'The relay cannot be reached.',
    hint: 'Check the URL, that the relay is running, and that it allows this extension (GUARDMAIL_EXTENSION_ORIGINS).',
  },
  RELAY_VERSION_MISMATCH: { message: 'The relay speaks another version of the API.', hint: 'Update the extension or the relay so both speak API v1.' },
  RELAY_BAD_ANSWER: { message: 'The address answered, but not as a Guardmail relay.', hint: 'Check the relay URL.' },
  CONSENT_WINDOW_CLOSED: {
    message: 'The consent window was closed before it finished.',
    hint: 'Click Save again and accept in the window.',
  },
  SIGN_IN_WINDOW_CLOSED: { message: 'The sign-in window was closed before it finished.', hint: 'Click Sign in again.' },
  CONSENT_PAGE_UNLOADABLE: {
    message: 'The authorization page could not be loaded.',
    hint: 'Check the authorization URL, the client ID and the network.',
  },
  CONSENT_IN_PROGRESS: { message: 'A consent window is already open.', hint: 'Finish or close it first.' },
  CONSENT_FAILED: { message: 'The consent did not complete.', hint: 'Try again.' },
};

/**
 * What the relay's errors say, by code (shared/errors.ts gives each its status): sent in English with every error answer,
 * so the popup reads them from the answer and not from here.
 */
export const relayErrors: Record<ErrorCode, ErrorText> = {
  // --- Requests
  INVALID_JSON: {
    message: 'The request body is not valid JSON.',
    hint: 'Send a JSON object with Content-Type: application/json.',
  },
  VALIDATION_FAILED: {
    message: 'Some fields are not valid.',
    hint: 'Correct the field named in "field" and send the request again.',
  },
  BODY_TOO_LARGE: {
    message: 'The request body is too large.',
    hint: 'Send a smaller body; the limit is given in the message.',
  },
  ROLE_TOO_LOW: {
    message: "This admin's role does not allow it.",
    hint: 'Ask an owner to do it, or for a token with the role the message names (viewer, operator, owner).',
  },
  UNAUTHORIZED: {
    message: 'A valid bearer token is required.',
    hint: 'Send "Authorization: Bearer <admin token>". The relay printed the token on its first start; set GUARDMAIL_ADMIN_TOKEN to choose one.',
  },
  AUTH_THROTTLED: {
    message: 'Too many wrong tokens from this address.',
    hint: 'Wait for the time in Retry-After, then send the right token (the relay printed it on its first start, in first-start-tokens.txt).',
  },
  HOST_NOT_ALLOWED: {
    message: 'The relay does not serve this host name.',
    hint: 'Reach the relay by its own name, or add this name to GUARDMAIL_ALLOWED_HOSTS (--allowed-hosts).',
  },
  NOT_FOUND: {
    message: 'There is no such endpoint.',
    hint: "Check the URL against the relay's API (version v1).",
  },
  METHOD_NOT_ALLOWED: {
    message: 'This endpoint does not accept that method.',
    hint: "Check the method against the relay's API.",
  },
  DEVICE_NOT_FOUND: {
    message: 'The relay has no device with this ID.',
    hint: "Copy the ID from the device list or from the audit log's refused report; a forgotten device comes back with its next report.",
  },
  EXTENSION_NOT_BUILT: {
    message: 'The relay has no extension build to sign and serve.',
    hint: 'Run "npm run build" where the relay runs (or point --extension-build-dir at the build); the relay signs it at the next request.',
  },
  ENROLLMENT_TOKEN_UNKNOWN: {
    message: 'The relay keeps only a hash of its enrollment token, so it cannot write it into the policy.',
    hint: 'Type the enrollment token (first-start-tokens.txt) in the popup, or send it in X-Guardmail-Enrollment-Token; starting the relay once with GUARDMAIL_ENROLLMENT_TOKEN also lets it remember the token.',
  },
  ENROLLMENT_TOKEN_WRONG: {
    message: "That is not this relay's enrollment token.",
    hint: 'Copy the enrollment token from first-start-tokens.txt, or from the policy already on your managed browsers.',
  },
  DEVICE_SIGNATURE_INVALID: {
    message: 'The report is not signed with the key it carries.',
    hint: "The extension signs every report with its browser's own key and sends the key with it; a report that is not so signed is not from a Guardmail browser. If a browser's reports are all refused, check that its clock is right.",
  },
  REPORT_REPLAYED: {
    message: 'The report is signed no later than a report already applied for its device: it was not applied.',
    hint: 'Nothing to do for a browser: its newer report stands. If every report of a browser is refused so, its clock runs behind: correct it.',
  },
  REPORT_UNPROCESSABLE: {
    message: 'The relay could not evaluate this report, so it was not stored. Other reports are not affected.',
    hint: "The extension drops such a report and sends its next one; if every report of a browser is refused, look up the request id in the relay's log.",
  },
  RATE_LIMITED: {
    message: 'Too many reports from this device.',
    hint: 'Wait for the time in Retry-After; the extension does so by itself.',
  },
  DEVICE_ADMISSION_LIMITED: {
    message: 'New devices are arriving faster than the relay admits them; this report was not stored.',
    hint: 'Nothing to do for a browser: it keeps the report and sends it after Retry-After. If a real roll-out is this fast, it simply takes a little longer.',
  },
  STORE_BUDGET_REACHED: {
    message: "The relay's store reached its budget: reports from devices it has not seen before are not stored.",
    hint: 'Nothing to do for a browser: it keeps the report. Operators: forget devices that are gone or invented (popup, Fleet), or raise --store-budget-mb where the volume has room; known devices keep reporting meanwhile.',
  },
  STORAGE_FULL: {
    message: "The relay's disk is full: nothing was stored.",
    hint: "Free space on the relay's data volume. Browsers keep their reports and send them again.",
  },
  STORAGE_UNAVAILABLE: {
    message: 'The relay cannot write to its store: nothing was stored.',
    hint: "Check the data directory's disk and permissions in the relay's log.",
  },
  DATABASE_UNAVAILABLE: {
    message: 'The relay cannot reach its PostgreSQL database: nothing was stored.',
    hint: "Check the database server and the relay's --database-url in its log; the relay reconnects by itself. Browsers keep their reports and send them again.",
  },
  INTERNAL: {
    message: 'The relay failed unexpectedly.',
    hint: "Look up the request id in the relay's log.",
  },

  // --- Mail settings
  ALERT_RECIPIENTS_MISSING: {
    message: 'Alerts wait: the alert policy has no recipient.',
    hint: "Add the admins' addresses under Alerts in the popup (PUT /api/v1/alert-policy); the waiting alerts go out at once.",
  },
  ALERT_UNREADABLE: {
    message: 'The alert stored in the outbox cannot be read, so it failed alone instead of breaking the mail it would join.',
    hint: 'Its device alerts again with its next report if it is still at risk. An outbox restored from another version of the relay can cause it.',
  },
  ALERT_EXPIRED: {
    message: 'The alert was not delivered within the queue lifetime, and failed.',
    hint: 'Fix the cause named in its last error, then press "Send failed alerts again" (POST /api/v1/alerts/retry). --queue-lifetime-days sets how long alerts wait.',
  },
  RELEASE_FEED_UNREACHABLE: {
    message: "A vendor's release feed could not be fetched (network, proxy, error status or timeout); the last good copy stays in use.",
    hint: "Check that the relay reaches the vendor's host (versionhistory.googleapis.com, edgeupdates.microsoft.com, product-details.mozilla.org), directly or through the proxy in the mail settings; without internet, use import-feeds.",
  },
  RELEASE_FEED_MALFORMED: {
    message: "A vendor's release feed was not the JSON it should be (cut short, or a changed shape); it was refused whole and the last good copy stays in use.",
    hint: "Usually passing: the relay tries again at the next refresh. If it lasts, the vendor changed its feed: report it with the relay's log line.",
  },
  RELEASE_FEED_ABSURD: {
    message: "A vendor's release feed held data that cannot be right (no releases, a version far above the last one, dates days ahead); it was refused whole.",
    hint: 'Nothing to do if it passes; if it lasts, check that the feed URL (--release-feed-urls) points at the vendor or a faithful mirror.',
  },
  MAIL_NOT_CONFIGURED: {
    message: 'The mail server is not configured yet.',
    hint: 'Save the mail settings first (PUT /api/v1/mail-settings).',
  },
  OAUTH_NOT_CONNECTED: {
    message: 'OAuth is selected, but no account is connected yet.',
    hint: "Save the settings from the extension's popup and accept the consent window.",
  },
  SECRET_REQUIRED: {
    message: 'A stored secret would go to a new destination: it must be entered again.',
    hint: 'Enter the secret named in "field" again with the new server, token URL or proxy; a stored secret is never sent anywhere it was not given for.',
  },
  TEST_ADDRESS_MISSING: {
    message: 'There is no address to send the test mail to.',
    hint: 'Set the test address in the mail settings, or give "to" in the request.',
  },

  // --- SMTP delivery (the failure table in docs/providers.md)
  SMTP_AUTH_FAILED: {
    message: 'The mail server rejected the user name or password.',
    hint: 'Check the user name and password. For Gmail use an app password or OAuth; for Microsoft 365 use OAuth.',
  },
  SMTP_AUTH_DISABLED_FOR_TENANT: {
    message: 'Microsoft 365 has SMTP AUTH turned off for this mailbox or tenant (535 5.7.139).',
    hint: 'Enable "Authenticated SMTP" for this mailbox (or the tenant) in the Microsoft 365 admin center, then try again. It is needed with OAuth too.',
  },
  SMTP_BASIC_AUTH_RETIRED: {
    message: 'The provider no longer accepts passwords for SMTP (basic authentication is disabled).',
    hint: 'Switch the authentication type to OAuth.',
  },
  SMTP_APP_PASSWORD_REQUIRED: {
    message: 'Gmail refuses the account password for SMTP (534-5.7.9 application-specific password required).',
    hint: 'Use OAuth, or create an app password in the Google account and use it as the password.',
  },
  SMTP_INSECURE_AUTH_REFUSED: {
    message: 'The saved settings would send the password or token over an unencrypted connection, so nothing was sent.',
    hint: 'Turn on TLS (or choose SMTPS) in the mail settings; only for a trusted internal server, allow insecure authentication explicitly.',
  },
  SMTP_STARTTLS_UNAVAILABLE: {
    message: 'TLS is required, but the mail server does not offer STARTTLS.',
    hint: "Use the server's STARTTLS port (usually 587), choose SMTPS if the port is 465, or turn TLS off only for a trusted internal server.",
  },
  SMTP_CERT_UNTRUSTED: {
    message: "The mail server's certificate is not signed by a trusted authority.",
    hint: 'If the server uses a private CA, paste that CA certificate (PEM) into the mail settings. Verification is never skipped.',
  },
  SMTP_CERT_HOSTNAME_MISMATCH: {
    message: "The mail server's certificate is issued for another host name.",
    hint: 'Use the server name that the certificate names (see the message).',
  },
  SMTP_TLS_FAILED: {
    message: 'The TLS handshake with the mail server failed.',
    hint: 'Check that the server supports TLS 1.2 or newer and that the email type matches the port.',
  },
  SMTP_UNREACHABLE: {
    message: 'No mail server answered at this name and port in the mode the settings ask for.',
    hint: 'Check the server name and port, that the email type matches the port (SMTPS on 465, SMTP with STARTTLS on 587), and that a firewall lets the relay reach it. Which of these it is is not said, and the answer comes after a fixed wait: a test mail is no way to probe other machines.',
  },
  SMTP_TIMEOUT: {
    message: 'The mail server stopped answering in the middle of the session.',
    hint: "Try again; if it persists, look at the mail server's logs for the time of the failure.",
  },
  SMTP_CONNECTION_LOST: {
    message: 'The mail server closed the connection unexpectedly.',
    hint: "Try again; if it persists, check the email type against the port and the server's logs.",
  },
  SMTP_CONCURRENT_LIMIT: {
    message: 'The mail server refuses more concurrent connections for this mailbox (432 4.3.2).',
    hint: 'Microsoft 365 allows 3 connections per mailbox; wait and try again.',
  },
  SMTP_SEND_AS_DENIED: {
    message: 'The mail server refuses to let the signed-in account send as the sender address (550 5.7.60).',
    hint: 'Sign in as the sender address, or give the signed-in account Send As rights on it (Exchange admin center › the sender mailbox › Delegation).',
  },
  SMTP_SENDER_THROTTLED: {
    message: 'Microsoft 365 throttles this sender after repeated failed submissions (550 5.2.25x).',
    hint: 'Fix the error that came before (see the last failure), then wait: Microsoft lifts the throttle by itself. The relay retries later.',
  },
  SMTP_DAILY_QUOTA_EXCEEDED: {
    message: 'The mailbox reached its daily sending quota (554 5.2.0 SubmissionQuotaExceededException).',
    hint: 'Microsoft 365 allows 10,000 recipients a day per mailbox; fewer recipients or a longer grouping window send fewer mails. The relay retries later.',
  },
  SMTP_XOAUTH2_NOT_OFFERED: {
    message: 'The mail server does not offer XOAUTH2, so it cannot take an OAuth token.',
    hint: "Use the provider's submission server (smtp.gmail.com, smtp.office365.com) or basic authentication for this server. Microsoft 365 offers XOAUTH2 only after STARTTLS on port 587.",
  },
  SMTP_SENDER_REJECTED: {
    message: 'The mail server rejected the sender address.',
    hint: 'Use a sender address that the authenticated account may send as.',
  },
  SMTP_RECIPIENT_REJECTED: {
    message: 'The mail server rejected the recipient address.',
    hint: 'Check the recipient address.',
  },
  SMTP_MESSAGE_TOO_LARGE: {
    message: 'The mail server refused the message as too large (552).',
    hint: "Alert mails are split until they fit; a test mail is small. Check the server's size limit if this persists.",
  },
  SMTP_MESSAGE_REJECTED: {
    message: 'The mail server refused the message.',
    hint: "Read the server's answer in the message.",
  },
  SMTP_TEMPORARY_FAILURE: {
    message: 'The mail server answered with a temporary failure.',
    hint: 'Try again later.',
  },
  SMTP_FAILED: {
    message: 'Sending through the mail server failed.',
    hint: "Read the server's answer in the message.",
  },
  // --- OAuth 2.0 consent and tokens (docs/providers.md, the failure table)
  OAUTH_NOT_SELECTED: {
    message: 'The saved mail settings do not use OAuth.',
    hint: 'Choose OAuth as the authentication type, fill the client and endpoints, and save first.',
  },
  OAUTH_REDIRECT_URL_NOT_ALLOWED: {
    message: 'This redirect URL is not one the relay accepts.',
    hint: "Use the extension's own redirect URL (https://<extension-id>.chromiumapp.org/ in Chrome and Edge, the relay's add-on's https://<hash>.extensions.allizom.org/ in Firefox), or add it to GUARDMAIL_OAUTH_REDIRECT_URLS.",
  },
  OAUTH_NO_CONSENT_IN_PROGRESS: {
    message: 'No consent is in progress.',
    hint: "Start again with Save: the consent window must be opened by the relay's authorization URL.",
  },
  OAUTH_CONSENT_EXPIRED: {
    message: 'The consent took too long and expired.',
    hint: 'Start again with Save and accept the consent window within 10 minutes.',
  },
  OAUTH_STATE_MISMATCH: {
    message: 'The consent answer does not belong to the consent in progress (state mismatch).',
    hint: 'Start again with Save, in one window only: a newer consent replaces an older one.',
  },
  OAUTH_CODE_ALREADY_REDEEMED: {
    message: 'This authorization code has already been redeemed.',
    hint: 'Each consent can be used once. If the account is not connected, start again with Save.',
  },
  OAUTH_ACCESS_DENIED: {
    message: 'The consent was declined.',
    hint: 'Start again and accept the requested permissions, with the mailbox that sends the alerts.',
  },
  OAUTH_REDIRECT_URI_MISMATCH: {
    message: 'The authorization server does not know this redirect URL (AADSTS50011 / redirect_uri_mismatch).',
    hint: 'Add the redirect URL shown in the popup, exactly (with its trailing slash), to the app registration\'s redirect URLs ("Web" platform for Microsoft, "Web application" client for Google), and save.',
  },
  OAUTH_INVALID_CLIENT: {
    message: 'The authorization server rejected the client ID, client secret or client certificate.',
    hint: "Copy the client ID and the client secret's value (not its ID) from the app registration, and save again. With a certificate: upload that certificate to the app registration (Certificates & secrets › Certificates) and give its own private key.",
  },
  OAUTH_CLIENT_SECRET_EXPIRED: {
    message: 'The client secret has expired (AADSTS7000222).',
    hint: 'Create a new client secret in the app registration and save it.',
  },
  OAUTH_CLIENT_SECRET_REQUIRED: {
    message: 'The app is registered as a confidential client, but no client secret was sent (AADSTS7000218).',
    hint: 'Add the client secret to the mail settings and save.',
  },
  OAUTH_PUBLIC_CLIENT_MISMATCH: {
    message: 'The app is registered as a public client, which must not send a secret (AADSTS700025).',
    hint: 'Register the redirect URL under a "Web" platform so the app is a confidential client.',
  },
  OAUTH_SPA_REGISTRATION: {
    message: 'The redirect URL is registered as a single-page application (AADSTS9002326/9002327).',
    hint: 'Move the redirect URL to a "Web" platform: the relay redeems the code, and SPA refresh tokens die after 24 hours.',
  },
  OAUTH_ADMIN_CONSENT_REQUIRED: {
    message: 'The organization requires an administrator to consent to this app (AADSTS90094 / AADSTS65001).',
    hint: 'Ask a Microsoft Entra (or Google Workspace) administrator to grant consent for this app, then try again.',
  },
  OAUTH_INVALID_SCOPE: {
    message: 'The authorization server does not accept the requested scope.',
    hint: 'Use https://mail.google.com/ openid email for Google, or https://outlook.office.com/SMTP.Send openid email offline_access for Microsoft 365.',
  },
  OAUTH_NO_REFRESH_TOKEN: {
    message: 'The authorization server returned no refresh token, so the relay could not keep sending.',
    hint: 'Microsoft: add offline_access to the scope. Google: keep access_type=offline and prompt=consent in the authorize parameters. Then try again.',
  },
  OAUTH_GRANT_INVALID: {
    message: 'The authorization server refused the authorization code (invalid_grant).',
    hint: 'The code expired or was already used; start again with Save.',
  },
  OAUTH_REAUTH_REQUIRED: {
    message: 'Re-authorization required: the refresh token no longer works.',
    hint: "Open the extension's popup and click Re-authorize. Alerts wait until then.",
  },
  OAUTH_TOKEN_ENDPOINT_UNREACHABLE: {
    message: 'The relay cannot reach the token URL.',
    hint: 'Check the token URL. If this network reaches the Internet only through a proxy, set the proxy for the authorization server.',
  },
  OAUTH_PROXY_AUTH_FAILED: {
    message: "The proxy refused the relay's credentials (407).",
    hint: 'Check the proxy user name and password.',
  },
  OAUTH_PROXY_UNREACHABLE: {
    message: 'The relay cannot reach the proxy.',
    hint: 'Check the proxy URL and port.',
  },
  OAUTH_PROVIDER_ERROR: {
    message: 'The authorization server answered with an error.',
    hint: "Read the provider's error in the message; it names the setting to change.",
  },
  SMTP_XOAUTH2_SCOPE_MISSING: {
    message: 'The mail server refused the token: it lacks the mail scope.',
    hint: 'For Gmail use the scope https://mail.google.com/ (gmail.send does not work for SMTP), then re-authorize.',
  },
  SMTP_XOAUTH2_REJECTED: {
    message: 'The mail server refused the OAuth token, even after a refresh.',
    hint: "Check that the connected account is the sender's mailbox and that the app has the SMTP.Send (Microsoft) or https://mail.google.com/ (Google) permission.",
  },
  SMTP_APP_ONLY_NOT_PERMITTED: {
    message: "Microsoft 365 refused the application's token for SMTP (535 5.7.3): Exchange does not let this application send as the mailbox.",
    hint: 'Give the app the SMTP.SendAsApp application permission (Office 365 Exchange Online) with admin consent, then in Exchange Online PowerShell register its service principal and grant it the mailbox: New-ServicePrincipal -AppId <application (client) ID> -ObjectId <enterprise application object ID>; Add-MailboxPermission -Identity <sender address> -User <service principal ID> -AccessRights FullAccess.',
  },
  OAUTH_CONSENT_NOT_NEEDED: {
    message: 'App-only access has no consent window: the application signs in with its own client secret.',
    hint: "Grant the application permission in the provider's admin console (admin consent), then send a test mail.",
  },
  // --- Admin sign-in with the company's identity provider (OIDC)
  SIGN_IN_NOT_CONFIGURED: {
    message: 'Signing in with an identity provider is not set up on this relay.',
    hint: 'An owner sets it up with PUT /api/v1/identity (docs/guide.md, "Signing in with the company\'s identity provider"); until then use the admin token or a named API token.',
  },
  SIGN_IN_UNKNOWN: {
    message: 'This sign-in answer belongs to no sign-in this relay began (unknown state).',
    hint: 'Start again with Sign in, in one window.',
  },
  SIGN_IN_ALREADY_USED: {
    message: 'This sign-in was already finished: its answer cannot be used twice.',
    hint: 'Start again with Sign in.',
  },
  SIGN_IN_EXPIRED: {
    message: 'The sign-in took longer than 10 minutes.',
    hint: 'Start again with Sign in and finish it within 10 minutes.',
  },
  SIGN_IN_REFUSED: {
    message: 'The identity provider refused the sign-in.',
    hint: 'The message quotes the provider. Try again with the company account; if it says the app is not assigned, an IT admin assigns you to it.',
  },
  SIGN_IN_ID_TOKEN_INVALID: {
    message: "The identity provider's ID token failed validation; nobody was signed in.",
    hint: "The message says which check failed (issuer, audience, nonce, signature, expiry). Check the issuer and client ID in the identity settings, and the relay's clock.",
  },
  SIGN_IN_NO_ROLE: {
    message: 'This account has no role on this relay.',
    hint: "An owner adds the account's email address, or one of its groups or app roles, to the owners, operators or viewers list.",
  },
  SIGN_IN_WRONG_DOMAIN: {
    message: "This account is not one of the company's Google Workspace domain.",
    hint: 'Sign in with the company account (the domain the identity settings name in hostedDomain).',
  },
  SIGN_IN_GROUPS_OVERAGE: {
    message: 'The identity provider left the groups out of the ID token: the account is in too many groups.',
    hint: "In Entra ID, give Guardmail's app roles to groups and set roleClaim to roles, or emit only the groups assigned to the application.",
  },
  SIGN_IN_PROVIDER_UNREACHABLE: {
    message: 'The relay could not reach the identity provider.',
    hint: "Check that the relay reaches the issuer's address (its discovery document and token endpoint); until then use the admin token.",
  },
  SIGN_IN_BUSY: {
    message: 'Too many sign-ins are in progress or failing from this address.',
    hint: 'Wait for the time in Retry-After, then sign in again.',
  },
  // --- HTTP mail APIs (Microsoft Graph, Gmail API)
  API_TOKEN_REJECTED: {
    message: 'The mail API refused the access token (401), even after a fresh one.',
    hint: "Check that the scope is the API's own (https://graph.microsoft.com/… for Graph, https://www.googleapis.com/auth/gmail.send for Gmail) and re-authorize; the server's words are below.",
  },
  API_THROTTLED: {
    message: 'The mail API is throttling this mailbox or application (429).',
    hint: 'Nothing to do: the relay waits as long as the API asks (Retry-After) and sends again. Fewer alert mails (a longer grouping window) stay further from the limit.',
  },
  API_UNAVAILABLE: {
    message: 'The mail API is unavailable for now (5xx).',
    hint: "Nothing to do: the relay tries again later, after the time the API asks for. If it lasts, check the provider's service health page.",
  },
  API_UNREACHABLE: {
    message: 'The relay could not reach the mail API.',
    hint: "Check the API URL, DNS and the relay's outbound HTTPS (port 443); if the network needs a proxy, set it under Advanced.",
  },
  API_CERT_UNTRUSTED: {
    message: "The mail API's certificate is not trusted.",
    hint: 'A TLS-inspecting proxy or firewall signs with its own CA: add that CA certificate under Advanced.',
  },
  API_MESSAGE_TOO_LARGE: {
    message: 'The mail API refused the message as too large.',
    hint: 'Nothing to do for alerts: the relay splits the batch. A test mail is always small.',
  },
  API_MESSAGE_REJECTED: {
    message: 'The mail API refused this message (400).',
    hint: "Read the API's words below: usually a recipient address it does not accept. Correct the alert recipients or the test address.",
  },
  API_FAILED: {
    message: 'The mail API answered with an error the relay does not know.',
    hint: "Read the API's answer below.",
  },
  GRAPH_ACCESS_DENIED: {
    message: 'Microsoft Graph denied access (403 ErrorAccessDenied): the application lacks the Mail.Send permission.',
    hint: 'In Microsoft Entra admin center › App registrations › the app › API permissions, add Microsoft Graph Mail.Send (Delegated for an account\'s consent, Application for app-only) and select "Grant admin consent"; then re-authorize (delegated) or send a test mail (app-only).',
  },
  GRAPH_MAILBOX_OUT_OF_SCOPE: {
    message: 'Microsoft Graph denied access to this mailbox: an application access policy or RBAC for Applications scope excludes it.',
    hint: "Add the sender mailbox to the scope: the mail-enabled security group of the application access policy (Test-ApplicationAccessPolicy -Identity <sender> -AppId <client ID> shows the result), or the management scope of the app's RBAC role assignment (Test-ServicePrincipalAuthorization).",
  },
  GRAPH_SEND_AS_DENIED: {
    message: 'Microsoft Graph refused to send as the sender address (ErrorSendAsDenied).',
    hint: 'Sign in as the sender address, or give the signed-in account Send As rights on it (Exchange admin center › the sender mailbox › Delegation).',
  },
  GRAPH_MAILBOX_NOT_ENABLED: {
    message: "The sender's mailbox cannot use Microsoft Graph (MailboxNotEnabledForRESTAPI): it is inactive, soft-deleted, on-premises or unlicensed.",
    hint: 'Send from a licensed Exchange Online mailbox (a shared mailbox needs no licence), or use SMTP for an on-premises one.',
  },
  GRAPH_MAILBOX_NOT_FOUND: {
    message: 'Microsoft Graph does not know the sender address as a user in this tenant.',
    hint: "Use the sender mailbox's primary address (or its user principal name) in this tenant.",
  },
  GMAIL_API_SCOPE_MISSING: {
    message: 'The Gmail API refused the token: it lacks the gmail.send scope (403 insufficientPermissions).',
    hint: "Use the scope https://www.googleapis.com/auth/gmail.send (the Google preset fills it), add it to the OAuth consent screen's scopes, and re-authorize.",
  },
  GMAIL_API_DISABLED: {
    message: 'The Gmail API is not enabled in the Google Cloud project of this OAuth client (403 accessNotConfigured).',
    hint: 'Google Cloud console › APIs & Services › Library › Gmail API › Enable, in the project the client ID belongs to; it takes a few minutes to apply.',
  },
  GMAIL_API_NOT_ENABLED_FOR_USER: {
    message: 'Gmail refused to send for this account (400 failedPrecondition): Gmail is not turned on for it.',
    hint: "Send as an account with Gmail: in the Google Admin console › Apps › Google Workspace › Gmail, turn the service on for the account's organizational unit.",
  },
  GMAIL_API_DAILY_LIMIT: {
    message: 'The Gmail account reached its daily sending limit.',
    hint: 'Google Workspace allows 2,000 messages a day per user; the relay retries later. Fewer recipients or a longer grouping window send less.',
  },
};

// Marked pure so that a bundle which reads neither table (the popup: answers carry their English) drops them.
export const errors = /* @__PURE__ */ englishErrors();

function englishErrors(): Record<ErrorCode | ClientErrorCode, ErrorText> {
  return { ...relayErrors, ...clientErrors };
}

/**
 * What the checks say: findings' titles and remediations, and a digest's summary of each check ("2,973 browsers
 * <summary>"). `{name}` is filled by the check; a `{ one, other }` entry is chosen by a count.
 */
export const checks = {
  'browser-version': {
    summary: 'run an outdated browser version',
    belowMinimum: '{browser} is older than the required {minimum}',
    belowMinimumFix: 'Update {name} to {minimum} or newer and restart it.',
    superseded: {
      one: '{browser} has been superseded on the {channel} channel for {days} days ({by}, released {since}); it is {behind} update behind {target}',
      other: '{browser} has been superseded on the {channel} channel for {days} days ({by}, released {since}); it is {behind} updates behind {target}',
    },
    supersededFix: 'Update {name} to {target} or newer and restart it; check that automatic updates are not blocked by policy.',
    behindFleet: '{browser} is {behind} major versions behind the newest that enough of the fleet runs ({newest})',
    behindFleetFix: 'Update {name} and restart it; check that automatic updates are not blocked.',
  },
  'known-exploited': {
    summary: 'run a browser version with vulnerabilities exploited in the wild',
    title: {
      one: '{browser} has a vulnerability exploited in the wild (CISA KEV): {cves}; fixed in {fixedIn}',
      other: '{browser} has {count} vulnerabilities exploited in the wild (CISA KEV): {cves}; fixed in {fixedIn}',
    },
    cve: '{cve} (added {date})',
    more: '{cves} and {more} more',
    fix: 'Update {name} to {fixedIn} or newer now and restart it: these flaws are being used in attacks.',
  },
  'risky-permissions': {
    summary: 'have an extension with risky permissions',
    title: '“{extension}” scores {score} for risk: {permissions}',
    fix: 'Remove “{extension}” unless it is needed; if it is, add {id} to the allowlist.',
  },
  'unmanaged-install': {
    summary: 'have an extension installed outside policy',
    development: '“{extension}” is loaded in developer mode',
    sideload: '“{extension}” is sideloaded by another program',
    fix: 'Remove “{extension}”, and turn developer mode off with the DeveloperToolsAvailability and ExtensionInstallSources policies.',
  },
  'blocklisted-extension': {
    summary: 'have a blocklisted extension installed',
    title: 'Blocklisted extension installed: “{extension}” ({id})',
    fix: 'Remove “{extension}” and block it with the ExtensionInstallBlocklist policy.',
  },
  /** A browser setting that benchmarks want fixed by policy: the wrong value, or the right one left to the user. */
  setting: {
    enforce: 'Set the {policy} policy to {value}.',
    lockedWrong: 'A policy sets it this way: change the {policy} policy to {value}.',
  },
  settings: {
    'alternate-error-pages': {
      summary: 'send addresses that failed to load to Google',
      wrong: 'Alternate error pages send failed addresses to Google',
      unenforced: 'Alternate error pages are off, but the user can turn them on',
    },
    'autofill-addresses': {
      summary: 'let the browser store and fill in addresses',
      wrong: 'The browser stores and fills in addresses',
      unenforced: 'Address autofill is off, but the user can turn it on',
    },
    'autofill-cards': {
      summary: 'let the browser store and fill in payment cards',
      wrong: 'The browser stores and fills in payment cards',
      unenforced: 'Card autofill is off, but the user can turn it on',
    },
    'extended-reporting': {
      summary: 'send Safe Browsing extended reports to Google',
      wrong: 'Safe Browsing extended reporting sends data to Google',
      unenforced: 'Safe Browsing extended reporting is off, but the user can turn it on',
    },
    'network-prediction': {
      summary: 'connect ahead to sites the user has not opened',
      wrong: 'Network prediction connects ahead to sites the user has not opened',
      unenforced: 'Network prediction is off, but the user can turn it on',
      value: '2 (never predict)',
    },
    'password-saving': {
      summary: 'let the browser save passwords',
      wrong: 'The browser offers to save passwords',
      unenforced: 'Password saving is off, but the user can turn it on',
    },
    'safe-browsing': {
      summary: 'have Safe Browsing off',
      wrong: 'Safe Browsing is off',
      unenforced: 'Safe Browsing is on, but the user can turn it off',
      value: '1 (standard) or 2 (enhanced)',
    },
    'search-suggestions': {
      summary: 'send address-bar typing to the search engine',
      wrong: 'Search suggestions send address-bar typing to the search engine',
      unenforced: 'Search suggestions are off, but the user can turn them on',
    },
    'spelling-service': {
      summary: 'send typed text to a spelling web service',
      wrong: 'The spelling web service sends typed text to Google',
      unenforced: 'The spelling web service is off, but the user can turn it on',
    },
    'third-party-cookies': {
      summary: 'allow third-party cookies',
      wrong: 'Third-party cookies are allowed',
      unenforced: 'Third-party cookies are blocked, but the user can allow them',
    },
    'translation-service': {
      summary: 'offer to send pages to Google Translate',
      wrong: 'The browser offers to send pages to Google Translate',
      unenforced: 'Translate is off, but the user can turn it on',
    },
  },
};

/** The alert mail, in the alert policy's language. */
export const mail = {
  subject: { one: '[Guardmail] {count} browser {worst}', other: '[Guardmail] {count} browsers {worst}' },
  intro: { one: 'Guardmail found {count} managed browser out of compliance.', other: 'Guardmail found {count} managed browsers out of compliance.' },
  browser: 'Browser',
  os: 'OS',
  level: 'Level',
  todo: 'What to do',
  reported: 'Reported',
  /** Beside a device's label: the browser named itself, nobody checked it. */
  reportedName: 'name reported by the browser',
  openInConsole: 'Open it in the Guardmail console',
  new: 'New since the last alert',
  footer: "You receive this because you are a recipient in Guardmail's alert policy.",
  moreFindings: {
    one: "and {count} more finding: see this browser in the extension's Fleet panel",
    other: "and {count} more findings: see this browser in the extension's Fleet panel",
  },
  moreDevices: {
    one: "And {count} more browser: the full list is in the extension's Fleet panel.",
    other: "And {count} more browsers: the full list is in the extension's Fleet panel.",
  },
  digest: 'In short:',
  digestLine: { one: '{count} browser {what}', other: '{count} browsers {what}' },
  worst: 'The worst first:',
  extensions: {
    subject: { one: '[Guardmail] {count} extension changed what it may do', other: '[Guardmail] {count} extensions changed what they may do' },
    heading: 'Extensions that changed across the fleet',
    change: '“{name}” ({id}): version {from} → {to}',
    spread: '“{name}” ({id}) is new to the fleet: {count} browsers with a day of history have it since {since}',
    followUp: 'Mailed before on {since}: these browsers took it since.',
    added: 'Added',
    removed: 'Removed',
    updateUrl: 'Update URL: {from} → {to}',
    none: 'none',
    leftStore: 'Its updates now come from outside the browser stores: whoever runs that server ships its next version.',
    devices: { one: 'On {count} browser: {list}', other: 'On {count} browsers: {list}' },
    more: '{list} and {count} more',
    installTypes: 'Installed as: {list}',
    silent: 'Force-installed by policy: Chromium granted what it added without asking anyone.',
    disabled: {
      one: 'Chromium disabled it on {count} browser until someone accepts what it asks.',
      other: 'Chromium disabled it on {count} browsers until someone accepts what it asks.',
    },
    blockExtension: 'To block the extension, set in the ExtensionSettings policy:',
    blockAdded: 'To block only what it added (Chrome), set:',
    allow: 'If this change is expected, add {entry} to the allowlist in the alert policy.',
    seeTab: "Every extension and its risk are in the extension's Extensions tab.",
  },
  levels: { very_high: 'very highly vulnerable', high: 'highly vulnerable', low: 'low risk', secure: 'secure' },
};

export type MailTexts = typeof mail;
