import type { ErrorCode } from '../../shared/errors';
import type { MailSettings } from '../../shared/mail-settings';
import { sendingMailbox } from './oauth-account';
import { classifyOAuthError, type OAuthFailure } from './oauth-errors';

/** How long an admin has to finish the consent window. */
export const CONSENT_TTL_MS = 10 * 60_000;

/**
 * Whether the relay hands out an authorization URL for this redirect URL: the chromiumapp.org URL of an allowed
 * extension, an explicitly allowed URL, or loopback for development.
 */
export function isAllowedRedirectUrl(candidate: string, extensionOrigins: string[], explicitlyAllowed: string[]): boolean {
  if (!URL.canParse(candidate)) return false;
  const url = new URL(candidate);
  if (url.hash || url.username || url.password) return false;
  if (explicitlyAllowed.includes(url.href)) return true;
  if (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return true;
  const extensionIds = extensionOrigins.flatMap((origin) => /^chrome-extension:\/\/([a-p]{32})$/.exec(origin)?.[1] ?? []);
  return url.protocol === 'https:' && extensionIds.some((id) => url.hostname === `${id}.chromiumapp.org`) && !url.port;
}

/**
 * The authorization URL for the consent window (RFC 6749 §4.1.1 with PKCE S256, RFC 7636), with the provider's extra
 * parameters and the sender address as login hint.
 */
export function authorizationUrl(settings: MailSettings, consent: { redirectUri: string; state: string; codeChallenge: string }): string {
  const url = new URL(settings.authorizationUrl);
  for (const [key, value] of new URLSearchParams(settings.authorizeParams)) url.searchParams.set(key, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', consent.redirectUri);
  url.searchParams.set('scope', settings.scope);
  url.searchParams.set('state', consent.state);
  url.searchParams.set('code_challenge', consent.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('login_hint', sendingMailbox(settings));
  return url.href;
}

/** Names the parameter a provider needs before it returns a refresh token. */
export function missingRefreshTokenHint(settings: MailSettings): string {
  if (settings.provider === 'microsoft' || /login\.microsoftonline\.com/.test(settings.authorizationUrl)) {
    return 'Microsoft returns a refresh token only when the scope includes offline_access.';
  }
  if (settings.provider === 'google' || /accounts\.google\.com/.test(settings.authorizationUrl)) {
    return 'Google returns a refresh token only with access_type=offline and prompt=consent in the authorize parameters.';
  }
  return 'Ask the authorization server for offline access (often the offline_access scope).';
}

/** Refuses a window's final URL that is not the redirect URL its flow (a consent, a sign-in) asked the provider for. */
export function notBackAt(
  callbackUrl: URL,
  redirectUri: string,
  flow: string,
): { ok: false; code: 'VALIDATION_FAILED'; field: string; message: string } | null {
  const expected = new URL(redirectUri);
  if (callbackUrl.origin === expected.origin && callbackUrl.pathname === expected.pathname) return null;
  return { ok: false, code: 'VALIDATION_FAILED', field: 'callbackUrl', message: `callbackUrl: must start with the redirect URL of ${flow} (${redirectUri}).` };
}

/** The consent in progress, as the relay keeps it. */
export interface ConsentInProgress {
  state: string;
  redirectUri: string;
  expiresAt: number;
  redeemed: boolean;
}

export type CallbackCheck =
  | { ok: true; state: string }
  /** Refused by the relay: a callback that is not the one it waits for. */
  | { ok: false; code: ErrorCode; field?: string; message?: string }
  /** The provider refused the consent and said why in the URL (`error=`). */
  | { ok: false; provider: OAuthFailure };

/**
 * Whether the URL the consent window ended on may be redeemed: it is the redirect URL of the consent in progress, with
 * its `state`, not yet redeemed, within its time; and the provider did not answer with an error.
 */
export function checkCallback(pending: ConsentInProgress | null, callbackUrl: URL, now: number): CallbackCheck {
  if (!pending) return { ok: false, code: 'OAUTH_NO_CONSENT_IN_PROGRESS' };
  const elsewhere = notBackAt(callbackUrl, pending.redirectUri, 'the consent in progress');
  if (elsewhere) return elsewhere;
  const state = callbackUrl.searchParams.get('state');
  if (state !== pending.state) return { ok: false, code: 'OAUTH_STATE_MISMATCH' };
  if (pending.redeemed) return { ok: false, code: 'OAUTH_CODE_ALREADY_REDEEMED' };
  if (pending.expiresAt < now) return { ok: false, code: 'OAUTH_CONSENT_EXPIRED' };
  const error = callbackUrl.searchParams.get('error');
  if (error)
    return {
      ok: false,
      provider: classifyOAuthError({ kind: 'oauth', error, description: callbackUrl.searchParams.get('error_description') ?? undefined }, 'consent'),
    };
  return { ok: true, state };
}
