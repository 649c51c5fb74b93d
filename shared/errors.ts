/**
 * Every error the relay can answer with, in one table: a stable code, its HTTP status, a default message
 * and the admin's next step. Clients (the popup) translate codes, never English messages.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  readonly hint: string;
}

export const errorCodes = {
  // --- Requests
  INVALID_JSON: {
    status: 400,
    message: 'The request body is not valid JSON.',
    hint: 'Send a JSON object with Content-Type: application/json.',
  },
  VALIDATION_FAILED: {
    status: 400,
    message: 'Some fields are not valid.',
    hint: 'Correct the field named in "field" and send the request again.',
  },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
    hint: 'Send a smaller body; the limit is given in the message.',
  },
  UNAUTHORIZED: {
    status: 401,
    message: 'A valid bearer token is required.',
    hint: 'Send "Authorization: Bearer <admin token>". The relay printed the token on its first start; set GUARDMAIL_ADMIN_TOKEN to choose one.',
  },
  AUTH_THROTTLED: {
    status: 429,
    message: 'Too many wrong tokens from this address.',
    hint: 'Wait for the time in Retry-After, then send the right token (the relay printed it on its first start, in first-start-tokens.txt).',
  },
  HOST_NOT_ALLOWED: {
    status: 421,
    message: 'The relay does not serve this host name.',
    hint: 'Reach the relay by its own name, or add this name to GUARDMAIL_ALLOWED_HOSTS (--allowed-hosts).',
  },
  NOT_FOUND: {
    status: 404,
    message: 'There is no such endpoint.',
    hint: "Check the URL against the relay's API (version v1).",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'This endpoint does not accept that method.',
    hint: "Check the method against the relay's API.",
  },
  DEVICE_NOT_FOUND: {
    status: 404,
    message: 'The relay has no device with this ID.',
    hint: "Copy the ID from the device list or from the audit log's refused report; a forgotten device comes back with its next report.",
  },
  EXTENSION_NOT_BUILT: {
    status: 503,
    message: 'The relay has no extension build to sign and serve.',
    hint: 'Run "npm run build" where the relay runs (or point --extension-build-dir at the build); the relay signs it at the next request.',
  },
  ENROLLMENT_TOKEN_UNKNOWN: {
    status: 409,
    message: 'The relay keeps only a hash of its enrollment token, so it cannot write it into the policy.',
    hint: 'Type the enrollment token (first-start-tokens.txt) in the popup, or send it in X-Guardmail-Enrollment-Token; starting the relay once with GUARDMAIL_ENROLLMENT_TOKEN also lets it remember the token.',
  },
  ENROLLMENT_TOKEN_WRONG: {
    status: 400,
    message: "That is not this relay's enrollment token.",
    hint: 'Copy the enrollment token from first-start-tokens.txt, or from the policy already on your managed browsers.',
  },
  DEVICE_SIGNATURE_INVALID: {
    status: 401,
    message: 'The report is not signed with the key it carries.',
    hint: "The extension signs every report with its browser's own key and sends the key with it; a report that is not so signed is not from a Guardmail browser. If a browser's reports are all refused, check that its clock is right.",
  },
  REPORT_REPLAYED: {
    status: 409,
    message: 'The report is signed no later than a report already applied for its device: it was not applied.',
    hint: 'Nothing to do for a browser: its newer report stands. If every report of a browser is refused so, its clock runs behind: correct it.',
  },
  REPORT_UNPROCESSABLE: {
    status: 422,
    message: 'The relay could not evaluate this report, so it was not stored. Other reports are not affected.',
    hint: "The extension drops such a report and sends its next one; if every report of a browser is refused, look up the request id in the relay's log.",
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many reports from this device.',
    hint: 'Wait for the time in Retry-After; the extension does so by itself.',
  },
  DEVICE_ADMISSION_LIMITED: {
    status: 429,
    message: 'New devices are arriving faster than the relay admits them; this report was not stored.',
    hint: 'Nothing to do for a browser: it keeps the report and sends it after Retry-After. If a real roll-out is this fast, it simply takes a little longer.',
  },
  STORE_BUDGET_REACHED: {
    status: 507,
    message: "The relay's store reached its budget: reports from devices it has not seen before are not stored.",
    hint: 'Nothing to do for a browser: it keeps the report. Operators: forget devices that are gone or invented (popup, Fleet), or raise --store-budget-mb where the volume has room; known devices keep reporting meanwhile.',
  },
  STORAGE_FULL: {
    status: 503,
    message: "The relay's disk is full: nothing was stored.",
    hint: "Free space on the relay's data volume. Browsers keep their reports and send them again.",
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    message: 'The relay cannot write to its store: nothing was stored.',
    hint: "Check the data directory's disk and permissions in the relay's log.",
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The relay cannot reach its PostgreSQL database: nothing was stored.',
    hint: "Check the database server and the relay's --database-url in its log; the relay reconnects by itself. Browsers keep their reports and send them again.",
  },
  INTERNAL: {
    status: 500,
    message: 'The relay failed unexpectedly.',
    hint: "Look up the request id in the relay's log.",
  },

  // --- Mail settings
  ALERT_RECIPIENTS_MISSING: {
    status: 409,
    message: 'Alerts wait: the alert policy has no recipient.',
    hint: "Add the admins' addresses under Alerts in the popup (PUT /api/v1/alert-policy); the waiting alerts go out at once.",
  },
  ALERT_UNREADABLE: {
    status: 409,
    message: 'The alert stored in the outbox cannot be read, so it failed alone instead of breaking the mail it would join.',
    hint: 'Its device alerts again with its next report if it is still at risk. An outbox restored from another version of the relay can cause it.',
  },
  ALERT_EXPIRED: {
    status: 409,
    message: 'The alert was not delivered within the queue lifetime, and failed.',
    hint: 'Fix the cause named in its last error, then press "Send failed alerts again" (POST /api/v1/alerts/retry). --queue-lifetime-days sets how long alerts wait.',
  },
  RELEASE_FEED_UNREACHABLE: {
    status: 502,
    message: "A vendor's release feed could not be fetched (network, proxy, error status or timeout); the last good copy stays in use.",
    hint: "Check that the relay reaches the vendor's host (versionhistory.googleapis.com, edgeupdates.microsoft.com, product-details.mozilla.org), directly or through the proxy in the mail settings; without internet, use import-feeds.",
  },
  RELEASE_FEED_MALFORMED: {
    status: 502,
    message: "A vendor's release feed was not the JSON it should be (cut short, or a changed shape); it was refused whole and the last good copy stays in use.",
    hint: "Usually passing: the relay tries again at the next refresh. If it lasts, the vendor changed its feed: report it with the relay's log line.",
  },
  RELEASE_FEED_ABSURD: {
    status: 502,
    message: "A vendor's release feed held data that cannot be right (no releases, a version far above the last one, dates days ahead); it was refused whole.",
    hint: 'Nothing to do if it passes; if it lasts, check that the feed URL (--release-feed-urls) points at the vendor or a faithful mirror.',
  },
  MAIL_NOT_CONFIGURED: {
    status: 409,
    message: 'The mail server is not configured yet.',
    hint: 'Save the mail settings first (PUT /api/v1/mail-settings).',
  },
  OAUTH_NOT_CONNECTED: {
    status: 409,
    message: 'OAuth is selected, but no account is connected yet.',
    hint: "Save the settings from the extension's popup and accept the consent window.",
  },
  SECRET_REQUIRED: {
    status: 400,
    message: 'A stored secret would go to a new destination: it must be entered again.',
    hint: 'Enter the secret named in "field" again with the new server, token URL or proxy; a stored secret is never sent anywhere it was not given for.',
  },
  TEST_ADDRESS_MISSING: {
    status: 400,
    message: 'There is no address to send the test mail to.',
    hint: 'Set the test address in the mail settings, or give "to" in the request.',
  },

  // --- SMTP delivery (the failure table in docs/providers.md)
  SMTP_AUTH_FAILED: {
    status: 502,
    message: 'The mail server rejected the user name or password.',
    hint: 'Check the user name and password. For Gmail use an app password or OAuth; for Microsoft 365 use OAuth.',
  },
  SMTP_AUTH_DISABLED_FOR_TENANT: {
    status: 502,
    message: 'Microsoft 365 has SMTP AUTH turned off for this mailbox or tenant (535 5.7.139).',
    hint: 'Enable "Authenticated SMTP" for this mailbox (or the tenant) in the Microsoft 365 admin center, then try again. It is needed with OAuth too.',
  },
  SMTP_BASIC_AUTH_RETIRED: {
    status: 502,
    message: 'The provider no longer accepts passwords for SMTP (basic authentication is disabled).',
    hint: 'Switch the authentication type to OAuth.',
  },
  SMTP_APP_PASSWORD_REQUIRED: {
    status: 502,
    message: 'Gmail refuses the account password for SMTP (534-5.7.9 application-specific password required).',
    hint: 'Use OAuth, or create an app password in the Google account and use it as the password.',
  },
  SMTP_INSECURE_AUTH_REFUSED: {
    status: 409,
    message: 'The saved settings would send the password or token over an unencrypted connection, so nothing was sent.',
    hint: 'Turn on TLS (or choose SMTPS) in the mail settings; only for a trusted internal server, allow insecure authentication explicitly.',
  },
  SMTP_STARTTLS_UNAVAILABLE: {
    status: 502,
    message: 'TLS is required, but the mail server does not offer STARTTLS.',
    hint: "Use the server's STARTTLS port (usually 587), choose SMTPS if the port is 465, or turn TLS off only for a trusted internal server.",
  },
  SMTP_CERT_UNTRUSTED: {
    status: 502,
    message: "The mail server's certificate is not signed by a trusted authority.",
    hint: 'If the server uses a private CA, paste that CA certificate (PEM) into the mail settings. Verification is never skipped.',
  },
  SMTP_CERT_HOSTNAME_MISMATCH: {
    status: 502,
    message: "The mail server's certificate is issued for another host name.",
    hint: 'Use the server name that the certificate names (see the message).',
  },
  SMTP_TLS_FAILED: {
    status: 502,
    message: 'The TLS handshake with the mail server failed.',
    hint: 'Check that the server supports TLS 1.2 or newer and that the email type matches the port.',
  },
  SMTP_UNREACHABLE: {
    status: 502,
    message: 'No mail server answered at this name and port in the mode the settings ask for.',
    hint: 'Check the server name and port, that the email type matches the port (SMTPS on 465, SMTP with STARTTLS on 587), and that a firewall lets the relay reach it. Which of these it is is not said, and the answer comes after a fixed wait: a test mail is no way to probe other machines.',
  },
  SMTP_TIMEOUT: {
    status: 504,
    message: 'The mail server stopped answering in the middle of the session.',
    hint: "Try again; if it persists, look at the mail server's logs for the time of the failure.",
  },
  SMTP_CONNECTION_LOST: {
    status: 502,
    message: 'The mail server closed the connection unexpectedly.',
    hint: "Try again; if it persists, check the email type against the port and the server's logs.",
  },
  SMTP_CONCURRENT_LIMIT: {
    status: 502,
    message: 'The mail server refuses more concurrent connections for this mailbox (432 4.3.2).',
    hint: 'Microsoft 365 allows 3 connections per mailbox; wait and try again.',
  },
  SMTP_SEND_AS_DENIED: {
    status: 502,
    message: 'The mail server refuses to let the signed-in account send as the sender address (550 5.7.60).',
    hint: 'Sign in as the sender address, or give the signed-in account Send As rights on it (Exchange admin center › the sender mailbox › Delegation).',
  },
  SMTP_SENDER_THROTTLED: {
    status: 502,
    message: 'Microsoft 365 throttles this sender after repeated failed submissions (550 5.2.25x).',
    hint: 'Fix the error that came before (see the last failure), then wait: Microsoft lifts the throttle by itself. The relay retries later.',
  },
  SMTP_DAILY_QUOTA_EXCEEDED: {
    status: 502,
    message: 'The mailbox reached its daily sending quota (554 5.2.0 SubmissionQuotaExceededException).',
    hint: 'Microsoft 365 allows 10,000 recipients a day per mailbox; fewer recipients or a longer grouping window send fewer mails. The relay retries later.',
  },
  SMTP_XOAUTH2_NOT_OFFERED: {
    status: 502,
    message: 'The mail server does not offer XOAUTH2, so it cannot take an OAuth token.',
    hint: "Use the provider's submission server (smtp.gmail.com, smtp.office365.com) or basic authentication for this server. Microsoft 365 offers XOAUTH2 only after STARTTLS on port 587.",
  },
  SMTP_SENDER_REJECTED: {
    status: 502,
    message: 'The mail server rejected the sender address.',
    hint: 'Use a sender address that the authenticated account may send as.',
  },
  SMTP_RECIPIENT_REJECTED: {
    status: 502,
    message: 'The mail server rejected the recipient address.',
    hint: 'Check the recipient address.',
  },
  SMTP_MESSAGE_TOO_LARGE: {
    status: 502,
    message: 'The mail server refused the message as too large (552).',
    hint: "Alert mails are split until they fit; a test mail is small. Check the server's size limit if this persists.",
  },
  SMTP_MESSAGE_REJECTED: {
    status: 502,
    message: 'The mail server refused the message.',
    hint: "Read the server's answer in the message.",
  },
  SMTP_TEMPORARY_FAILURE: {
    status: 502,
    message: 'The mail server answered with a temporary failure.',
    hint: 'Try again later.',
  },
  SMTP_FAILED: {
    status: 502,
    message: 'Sending through the mail server failed.',
    hint: "Read the server's answer in the message.",
  },
  // --- OAuth 2.0 consent and tokens (docs/providers.md, the failure table)
  OAUTH_NOT_SELECTED: {
    status: 409,
    message: 'The saved mail settings do not use OAuth.',
    hint: 'Choose OAuth as the authentication type, fill the client and endpoints, and save first.',
  },
  OAUTH_REDIRECT_URL_NOT_ALLOWED: {
    status: 400,
    message: 'This redirect URL is not one the relay accepts.',
    hint: "Use the extension's own redirect URL (https://<extension-id>.chromiumapp.org/) for an allowed extension, or add it to GUARDMAIL_OAUTH_REDIRECT_URLS.",
  },
  OAUTH_NO_CONSENT_IN_PROGRESS: {
    status: 409,
    message: 'No consent is in progress.',
    hint: "Start again with Save: the consent window must be opened by the relay's authorization URL.",
  },
  OAUTH_CONSENT_EXPIRED: {
    status: 400,
    message: 'The consent took too long and expired.',
    hint: 'Start again with Save and accept the consent window within 10 minutes.',
  },
  OAUTH_STATE_MISMATCH: {
    status: 400,
    message: 'The consent answer does not belong to the consent in progress (state mismatch).',
    hint: 'Start again with Save, in one window only: a newer consent replaces an older one.',
  },
  OAUTH_CODE_ALREADY_REDEEMED: {
    status: 409,
    message: 'This authorization code has already been redeemed.',
    hint: 'Each consent can be used once. If the account is not connected, start again with Save.',
  },
  OAUTH_ACCESS_DENIED: {
    status: 400,
    message: 'The consent was declined.',
    hint: 'Start again and accept the requested permissions, with the mailbox that sends the alerts.',
  },
  OAUTH_REDIRECT_URI_MISMATCH: {
    status: 400,
    message: 'The authorization server does not know this redirect URL (AADSTS50011 / redirect_uri_mismatch).',
    hint: 'Add the redirect URL shown in the popup, exactly (with its trailing slash), to the app registration\'s redirect URLs ("Web" platform for Microsoft, "Web application" client for Google), and save.',
  },
  OAUTH_INVALID_CLIENT: {
    status: 400,
    message: 'The authorization server rejected the client ID, client secret or client certificate.',
    hint: "Copy the client ID and the client secret's value (not its ID) from the app registration, and save again. With a certificate: upload that certificate to the app registration (Certificates & secrets › Certificates) and give its own private key.",
  },
  OAUTH_CLIENT_SECRET_EXPIRED: {
    status: 400,
    message: 'The client secret has expired (AADSTS7000222).',
    hint: 'Create a new client secret in the app registration and save it.',
  },
  OAUTH_CLIENT_SECRET_REQUIRED: {
    status: 400,
    message: 'The app is registered as a confidential client, but no client secret was sent (AADSTS7000218).',
    hint: 'Add the client secret to the mail settings and save.',
  },
  OAUTH_PUBLIC_CLIENT_MISMATCH: {
    status: 400,
    message: 'The app is registered as a public client, which must not send a secret (AADSTS700025).',
    hint: 'Register the redirect URL under a "Web" platform so the app is a confidential client.',
  },
  OAUTH_SPA_REGISTRATION: {
    status: 400,
    message: 'The redirect URL is registered as a single-page application (AADSTS9002326/9002327).',
    hint: 'Move the redirect URL to a "Web" platform: the relay redeems the code, and SPA refresh tokens die after 24 hours.',
  },
  OAUTH_ADMIN_CONSENT_REQUIRED: {
    status: 400,
    message: 'The organization requires an administrator to consent to this app (AADSTS90094 / AADSTS65001).',
    hint: 'Ask a Microsoft Entra (or Google Workspace) administrator to grant consent for this app, then try again.',
  },
  OAUTH_INVALID_SCOPE: {
    status: 400,
    message: 'The authorization server does not accept the requested scope.',
    hint: 'Use https://mail.google.com/ openid email for Google, or https://outlook.office.com/SMTP.Send openid email offline_access for Microsoft 365.',
  },
  OAUTH_NO_REFRESH_TOKEN: {
    status: 400,
    message: 'The authorization server returned no refresh token, so the relay could not keep sending.',
    hint: 'Microsoft: add offline_access to the scope. Google: keep access_type=offline and prompt=consent in the authorize parameters. Then try again.',
  },
  OAUTH_GRANT_INVALID: {
    status: 400,
    message: 'The authorization server refused the authorization code (invalid_grant).',
    hint: 'The code expired or was already used; start again with Save.',
  },
  OAUTH_REAUTH_REQUIRED: {
    status: 409,
    message: 'Re-authorization required: the refresh token no longer works.',
    hint: "Open the extension's popup and click Re-authorize. Alerts wait until then.",
  },
  OAUTH_TOKEN_ENDPOINT_UNREACHABLE: {
    status: 502,
    message: 'The relay cannot reach the token URL.',
    hint: 'Check the token URL. If this network reaches the Internet only through a proxy, set the proxy for the authorization server.',
  },
  OAUTH_PROXY_AUTH_FAILED: {
    status: 502,
    message: "The proxy refused the relay's credentials (407).",
    hint: 'Check the proxy user name and password.',
  },
  OAUTH_PROXY_UNREACHABLE: {
    status: 502,
    message: 'The relay cannot reach the proxy.',
    hint: 'Check the proxy URL and port.',
  },
  OAUTH_PROVIDER_ERROR: {
    status: 502,
    message: 'The authorization server answered with an error.',
    hint: "Read the provider's error in the message; it names the setting to change.",
  },
  SMTP_XOAUTH2_SCOPE_MISSING: {
    status: 502,
    message: 'The mail server refused the token: it lacks the mail scope.',
    hint: 'For Gmail use the scope https://mail.google.com/ (gmail.send does not work for SMTP), then re-authorize.',
  },
  SMTP_XOAUTH2_REJECTED: {
    status: 502,
    message: 'The mail server refused the OAuth token, even after a refresh.',
    hint: "Check that the connected account is the sender's mailbox and that the app has the SMTP.Send (Microsoft) or https://mail.google.com/ (Google) permission.",
  },
  SMTP_APP_ONLY_NOT_PERMITTED: {
    status: 502,
    message: "Microsoft 365 refused the application's token for SMTP (535 5.7.3): Exchange does not let this application send as the mailbox.",
    hint: 'Give the app the SMTP.SendAsApp application permission (Office 365 Exchange Online) with admin consent, then in Exchange Online PowerShell register its service principal and grant it the mailbox: New-ServicePrincipal -AppId <application (client) ID> -ObjectId <enterprise application object ID>; Add-MailboxPermission -Identity <sender address> -User <service principal ID> -AccessRights FullAccess.',
  },
  OAUTH_CONSENT_NOT_NEEDED: {
    status: 409,
    message: 'App-only access has no consent window: the application signs in with its own client secret.',
    hint: "Grant the application permission in the provider's admin console (admin consent), then send a test mail.",
  },
  // --- HTTP mail APIs (Microsoft Graph, Gmail API)
  API_TOKEN_REJECTED: {
    status: 502,
    message: 'The mail API refused the access token (401), even after a fresh one.',
    hint: "Check that the scope is the API's own (https://graph.microsoft.com/… for Graph, https://www.googleapis.com/auth/gmail.send for Gmail) and re-authorize; the server's words are below.",
  },
  API_THROTTLED: {
    status: 502,
    message: 'The mail API is throttling this mailbox or application (429).',
    hint: 'Nothing to do: the relay waits as long as the API asks (Retry-After) and sends again. Fewer alert mails (a longer grouping window) stay further from the limit.',
  },
  API_UNAVAILABLE: {
    status: 502,
    message: 'The mail API is unavailable for now (5xx).',
    hint: "Nothing to do: the relay tries again later, after the time the API asks for. If it lasts, check the provider's service health page.",
  },
  API_UNREACHABLE: {
    status: 502,
    message: 'The relay could not reach the mail API.',
    hint: "Check the API URL, DNS and the relay's outbound HTTPS (port 443); if the network needs a proxy, set it under Advanced.",
  },
  API_CERT_UNTRUSTED: {
    status: 502,
    message: "The mail API's certificate is not trusted.",
    hint: 'A TLS-inspecting proxy or firewall signs with its own CA: add that CA certificate under Advanced.',
  },
  API_MESSAGE_TOO_LARGE: {
    status: 502,
    message: 'The mail API refused the message as too large.',
    hint: 'Nothing to do for alerts: the relay splits the batch. A test mail is always small.',
  },
  API_MESSAGE_REJECTED: {
    status: 502,
    message: 'The mail API refused this message (400).',
    hint: "Read the API's words below: usually a recipient address it does not accept. Correct the alert recipients or the test address.",
  },
  API_FAILED: {
    status: 502,
    message: 'The mail API answered with an error the relay does not know.',
    hint: "Read the API's answer below.",
  },
  GRAPH_ACCESS_DENIED: {
    status: 502,
    message: 'Microsoft Graph denied access (403 ErrorAccessDenied): the application lacks the Mail.Send permission.',
    hint: 'In Microsoft Entra admin center › App registrations › the app › API permissions, add Microsoft Graph Mail.Send (Delegated for an account\'s consent, Application for app-only) and select "Grant admin consent"; then re-authorize (delegated) or send a test mail (app-only).',
  },
  GRAPH_MAILBOX_OUT_OF_SCOPE: {
    status: 502,
    message: 'Microsoft Graph denied access to this mailbox: an application access policy or RBAC for Applications scope excludes it.',
    hint: "Add the sender mailbox to the scope: the mail-enabled security group of the application access policy (Test-ApplicationAccessPolicy -Identity <sender> -AppId <client ID> shows the result), or the management scope of the app's RBAC role assignment (Test-ServicePrincipalAuthorization).",
  },
  GRAPH_SEND_AS_DENIED: {
    status: 502,
    message: 'Microsoft Graph refused to send as the sender address (ErrorSendAsDenied).',
    hint: 'Sign in as the sender address, or give the signed-in account Send As rights on it (Exchange admin center › the sender mailbox › Delegation).',
  },
  GRAPH_MAILBOX_NOT_ENABLED: {
    status: 502,
    message: "The sender's mailbox cannot use Microsoft Graph (MailboxNotEnabledForRESTAPI): it is inactive, soft-deleted, on-premises or unlicensed.",
    hint: 'Send from a licensed Exchange Online mailbox (a shared mailbox needs no licence), or use SMTP for an on-premises one.',
  },
  GRAPH_MAILBOX_NOT_FOUND: {
    status: 502,
    message: 'Microsoft Graph does not know the sender address as a user in this tenant.',
    hint: "Use the sender mailbox's primary address (or its user principal name) in this tenant.",
  },
  GMAIL_API_SCOPE_MISSING: {
    status: 502,
    message: 'The Gmail API refused the token: it lacks the gmail.send scope (403 insufficientPermissions).',
    hint: "Use the scope https://www.googleapis.com/auth/gmail.send (the Google preset fills it), add it to the OAuth consent screen's scopes, and re-authorize.",
  },
  GMAIL_API_DISABLED: {
    status: 502,
    message: 'The Gmail API is not enabled in the Google Cloud project of this OAuth client (403 accessNotConfigured).',
    hint: 'Google Cloud console › APIs & Services › Library › Gmail API › Enable, in the project the client ID belongs to; it takes a few minutes to apply.',
  },
  GMAIL_API_NOT_ENABLED_FOR_USER: {
    status: 502,
    message: 'Gmail refused to send for this account (400 failedPrecondition): Gmail is not turned on for it.',
    hint: "Send as an account with Gmail: in the Google Admin console › Apps › Google Workspace › Gmail, turn the service on for the account's organizational unit.",
  },
  GMAIL_API_DAILY_LIMIT: {
    status: 502,
    message: 'The Gmail account reached its daily sending limit.',
    hint: 'Google Workspace allows 2,000 messages a day per user; the relay retries later. Fewer recipients or a longer grouping window send less.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

/** Failures the extension itself detects, before or instead of a relay answer; their texts are in the catalogues. */
export const CLIENT_ERROR_CODES = [
  'RELAY_NOT_SET',
  'RELAY_URL_INSECURE',
  'RELAY_UNREACHABLE',
  'RELAY_VERSION_MISMATCH',
  'RELAY_BAD_ANSWER',
  'CONSENT_WINDOW_CLOSED',
  'CONSENT_PAGE_UNLOADABLE',
  'CONSENT_IN_PROGRESS',
  'CONSENT_FAILED',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** One field that failed validation: its dotted path in the request and why. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** The one JSON shape of every error answer. */
export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    hint: string;
    requestId: string;
    /** The first field at fault, when the error is about a field. */
    field?: string;
    issues?: FieldIssue[];
    /** What the remote server said, verbatim, when a remote server is at fault. */
    serverResponse?: string;
  };
}
