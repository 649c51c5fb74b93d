/**
 * Token-endpoint answers that no local authorization server can produce, because they name a provider's own error
 * codes. Each is the provider's documented body, with the page it was taken from; the tests replay them through the
 * real oidc-provider (`failNextToken`), so everything around them (HTTP, client authentication, oauth4webapi's
 * parsing) is real.
 */
export interface RecordedReply {
  status: number;
  body: Record<string, string>;
  source: string;
}

const ENTRA_CODES = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';
const entra = (error: string, code: string, text: string): RecordedReply => ({
  status: 400,
  body: {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: 0b6e5a0f-0d5d-4e4b-9b0a-2f5f0e1c3400 Correlation ID: 5d0b8e4c-6a43-4a5e-9e69-2b8d2d6a2e11 Timestamp: 2026-12-02 10:00:00Z`,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  },
  source: ENTRA_CODES,
});

export const RECORDED: Record<string, RecordedReply> = {
  googleRedirectMismatch: {
    status: 400,
    body: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' },
    source: 'https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors-redirect-uri-mismatch',
  },
  googleRevoked: {
    status: 400,
    body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    source: 'https://developers.google.com/identity/protocols/oauth2#expiration',
  },
  entraRedirectMismatch: entra(
    'invalid_request',
    '50011',
    "The redirect URI 'https://x.chromiumapp.org/' specified in the request does not match the redirect URIs configured for the application.",
  ),
  entraSecretExpired: entra('invalid_client', '7000222', "The provided client secret keys for app '00000000-0000-0000-0000-000000000000' are expired."),
  entraSecretRequired: entra('invalid_client', '7000218', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  entraPublicClient: entra('invalid_request', '700025', 'Client is public so neither client_assertion nor client_secret should be presented.'),
  entraSpa: entra('invalid_request', '9002326', "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."),
  entraAdminConsent: entra('invalid_grant', '65001', 'The user or administrator has not consented to use the application.'),
  entraCodeRedeemed: entra(
    'invalid_grant',
    '54005',
    'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  ),
  entraInactive: entra(
    'invalid_grant',
    '700082',
    'The refresh token has expired due to inactivity. The token was issued on 2026-08-01 and was inactive for 90.00:00:00.',
  ),
  entraRevoked: entra(
    'invalid_grant',
    '50173',
    'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
  ),
  invalidScope: {
    status: 400,
    body: { error: 'invalid_scope', error_description: 'The requested scope is invalid.' },
    source: 'https://www.rfc-editor.org/rfc/rfc6749#section-5.2',
  },
};
