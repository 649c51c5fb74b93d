/**
 * Every error the relay can answer with, in one table: a stable code and its HTTP status. What a person reads of it,
 * its message and the admin's next step, is in each language's catalogue (`shared/locales/en.ts` `relayErrors`, sent
 * in every answer; `es.ts` for the popup). Clients translate codes, never English messages.
 */
export interface ErrorSpec {
  readonly status: number;
}

export const errorCodes = {
  // --- Requests
  INVALID_JSON: { status: 400 },
  VALIDATION_FAILED: { status: 400 },
  BODY_TOO_LARGE: { status: 413 },
  UNAUTHORIZED: { status: 401 },
  ROLE_TOO_LOW: { status: 403 },
  AUTH_THROTTLED: { status: 429 },
  HOST_NOT_ALLOWED: { status: 421 },
  NOT_FOUND: { status: 404 },
  METHOD_NOT_ALLOWED: { status: 405 },
  DEVICE_NOT_FOUND: { status: 404 },
  EXTENSION_NOT_BUILT: { status: 503 },
  ENROLLMENT_TOKEN_UNKNOWN: { status: 409 },
  ENROLLMENT_TOKEN_WRONG: { status: 400 },
  DEVICE_SIGNATURE_INVALID: { status: 401 },
  REPORT_REPLAYED: { status: 409 },
  REPORT_UNPROCESSABLE: { status: 422 },
  RATE_LIMITED: { status: 429 },
  DEVICE_ADMISSION_LIMITED: { status: 429 },
  STORE_BUDGET_REACHED: { status: 507 },
  STORAGE_FULL: { status: 503 },
  STORAGE_UNAVAILABLE: { status: 503 },
  DATABASE_UNAVAILABLE: { status: 503 },
  INTERNAL: { status: 500 },

  // --- Mail settings
  ALERT_RECIPIENTS_MISSING: { status: 409 },
  ALERT_UNREADABLE: { status: 409 },
  ALERT_EXPIRED: { status: 409 },
  RELEASE_FEED_UNREACHABLE: { status: 502 },
  RELEASE_FEED_MALFORMED: { status: 502 },
  RELEASE_FEED_ABSURD: { status: 502 },
  MAIL_NOT_CONFIGURED: { status: 409 },
  OAUTH_NOT_CONNECTED: { status: 409 },
  SECRET_REQUIRED: { status: 400 },
  TEST_ADDRESS_MISSING: { status: 400 },

  // --- SMTP delivery (the failure table in docs/providers.md)
  SMTP_AUTH_FAILED: { status: 502 },
  SMTP_AUTH_DISABLED_FOR_TENANT: { status: 502 },
  SMTP_BASIC_AUTH_RETIRED: { status: 502 },
  SMTP_APP_PASSWORD_REQUIRED: { status: 502 },
  SMTP_INSECURE_AUTH_REFUSED: { status: 409 },
  SMTP_STARTTLS_UNAVAILABLE: { status: 502 },
  SMTP_CERT_UNTRUSTED: { status: 502 },
  SMTP_CERT_HOSTNAME_MISMATCH: { status: 502 },
  SMTP_TLS_FAILED: { status: 502 },
  SMTP_UNREACHABLE: { status: 502 },
  SMTP_TIMEOUT: { status: 504 },
  SMTP_CONNECTION_LOST: { status: 502 },
  SMTP_CONCURRENT_LIMIT: { status: 502 },
  SMTP_SEND_AS_DENIED: { status: 502 },
  SMTP_SENDER_THROTTLED: { status: 502 },
  SMTP_DAILY_QUOTA_EXCEEDED: { status: 502 },
  SMTP_XOAUTH2_NOT_OFFERED: { status: 502 },
  SMTP_SENDER_REJECTED: { status: 502 },
  SMTP_RECIPIENT_REJECTED: { status: 502 },
  SMTP_MESSAGE_TOO_LARGE: { status: 502 },
  SMTP_MESSAGE_REJECTED: { status: 502 },
  SMTP_TEMPORARY_FAILURE: { status: 502 },
  SMTP_FAILED: { status: 502 },
  // --- OAuth 2.0 consent and tokens (docs/providers.md, the failure table)
  OAUTH_NOT_SELECTED: { status: 409 },
  OAUTH_REDIRECT_URL_NOT_ALLOWED: { status: 400 },
  OAUTH_NO_CONSENT_IN_PROGRESS: { status: 409 },
  OAUTH_CONSENT_EXPIRED: { status: 400 },
  OAUTH_STATE_MISMATCH: { status: 400 },
  OAUTH_CODE_ALREADY_REDEEMED: { status: 409 },
  OAUTH_ACCESS_DENIED: { status: 400 },
  OAUTH_REDIRECT_URI_MISMATCH: { status: 400 },
  OAUTH_INVALID_CLIENT: { status: 400 },
  OAUTH_CLIENT_SECRET_EXPIRED: { status: 400 },
  OAUTH_CLIENT_SECRET_REQUIRED: { status: 400 },
  OAUTH_PUBLIC_CLIENT_MISMATCH: { status: 400 },
  OAUTH_SPA_REGISTRATION: { status: 400 },
  OAUTH_ADMIN_CONSENT_REQUIRED: { status: 400 },
  OAUTH_INVALID_SCOPE: { status: 400 },
  OAUTH_NO_REFRESH_TOKEN: { status: 400 },
  OAUTH_GRANT_INVALID: { status: 400 },
  OAUTH_REAUTH_REQUIRED: { status: 409 },
  OAUTH_TOKEN_ENDPOINT_UNREACHABLE: { status: 502 },
  OAUTH_PROXY_AUTH_FAILED: { status: 502 },
  OAUTH_PROXY_UNREACHABLE: { status: 502 },
  OAUTH_PROVIDER_ERROR: { status: 502 },
  SMTP_XOAUTH2_SCOPE_MISSING: { status: 502 },
  SMTP_XOAUTH2_REJECTED: { status: 502 },
  SMTP_APP_ONLY_NOT_PERMITTED: { status: 502 },
  OAUTH_CONSENT_NOT_NEEDED: { status: 409 },
  // --- Admin sign-in with the company's identity provider (OIDC)
  SIGN_IN_NOT_CONFIGURED: { status: 409 },
  SIGN_IN_UNKNOWN: { status: 400 },
  SIGN_IN_ALREADY_USED: { status: 409 },
  SIGN_IN_EXPIRED: { status: 400 },
  SIGN_IN_REFUSED: { status: 401 },
  SIGN_IN_ID_TOKEN_INVALID: { status: 401 },
  SIGN_IN_NO_ROLE: { status: 403 },
  SIGN_IN_WRONG_DOMAIN: { status: 403 },
  SIGN_IN_GROUPS_OVERAGE: { status: 403 },
  SIGN_IN_PROVIDER_UNREACHABLE: { status: 502 },
  SIGN_IN_BUSY: { status: 429 },
  // --- HTTP mail APIs (Microsoft Graph, Gmail API)
  API_TOKEN_REJECTED: { status: 502 },
  API_THROTTLED: { status: 502 },
  API_UNAVAILABLE: { status: 502 },
  API_UNREACHABLE: { status: 502 },
  API_CERT_UNTRUSTED: { status: 502 },
  API_MESSAGE_TOO_LARGE: { status: 502 },
  API_MESSAGE_REJECTED: { status: 502 },
  API_FAILED: { status: 502 },
  GRAPH_ACCESS_DENIED: { status: 502 },
  GRAPH_MAILBOX_OUT_OF_SCOPE: { status: 502 },
  GRAPH_SEND_AS_DENIED: { status: 502 },
  GRAPH_MAILBOX_NOT_ENABLED: { status: 502 },
  GRAPH_MAILBOX_NOT_FOUND: { status: 502 },
  GMAIL_API_SCOPE_MISSING: { status: 502 },
  GMAIL_API_DISABLED: { status: 502 },
  GMAIL_API_NOT_ENABLED_FOR_USER: { status: 502 },
  GMAIL_API_DAILY_LIMIT: { status: 502 },
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
  'SIGN_IN_WINDOW_CLOSED',
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
