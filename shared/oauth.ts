import * as v from 'valibot';

const url = (field: string) =>
  v.pipe(v.string(`${field} must be text.`), v.maxLength(8192, `${field} must be at most 8192 characters.`), v.url(`${field} must be a URL.`));

/** Body of POST /api/v1/oauth/authorize: where the consent window will come back to (`identity.getRedirectURL()`). */
export const AuthorizeInput = v.strictObject({ redirectUrl: url('Redirect URL') }, 'Unknown field: only "redirectUrl" is accepted.');

/** Answer of POST /api/v1/oauth/authorize. */
export interface AuthorizeAnswer {
  authorizationUrl: string;
  /** When the consent expires, ISO 8601. */
  expiresAt: string;
}

/** Body of POST /api/v1/oauth/callback: the URL the consent window ended on. */
export const CallbackInput = v.strictObject({ callbackUrl: url('Callback URL') }, 'Unknown field: only "callbackUrl" is accepted.');

/** Answer of POST /api/v1/oauth/callback. */
export interface ConnectedAnswer {
  /** The account that signed in, from the validated ID token; null when the provider did not say (no `openid` scope). */
  account: string | null;
  scope: string;
  accessTokenExpiresAt: string;
}

/** The OAuth part of GET /api/v1/status: token health, never a token. */
export interface OAuthStatus {
  /** The account that signed in; null when the provider did not say. */
  account: string | null;
  scope: string;
  connectedAt: string;
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  lastRefreshError: string | null;
  refreshTokenIssuedAt: string;
  refreshTokenAgeDays: number;
  reauthRequired: boolean;
  reauthReason: string | null;
}

/** Whether mail is sent as an address other than the signed-in account, which needs Send As rights (or a re-consent). */
export function sendsAsAnother(account: string | null, senderAddress: string): boolean {
  return Boolean(account) && account!.toLowerCase() !== senderAddress.toLowerCase();
}
