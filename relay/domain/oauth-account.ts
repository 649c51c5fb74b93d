import type { MailSettings } from '../../shared/mail-settings';
import { MAIL_DESTINATION } from './secret-binding';

/**
 * Who signed in at the consent window, and which mailbox a token logs in as. The account comes only from an ID token
 * that oauth4webapi validated (issuer, audience, expiry); access tokens are never read, Google's being opaque and any
 * token's claims being unverified.
 */

/**
 * The issuer to expect for an ID token or an RFC 9207 `iss` parameter: it must live on the origin of the authorization
 * URL the admin configured. Google's is https://accounts.google.com; Microsoft's names the tenant's GUID
 * (https://login.microsoftonline.com/{tid}/v2.0) even when the URL says `organizations` or a domain, so an exact
 * issuer cannot be configured in advance, while another origin is always a mix-up.
 */
export function trustedIssuer(authorizationUrl: string, iss: unknown): string | null {
  if (typeof iss !== 'string' || !URL.canParse(authorizationUrl)) return null;
  // Google documents `accounts.google.com` without a scheme as an equivalent issuer.
  const candidate = /^[a-z][a-z\d+.-]*:\/\//i.test(iss) ? iss : `https://${iss}`;
  if (!URL.canParse(candidate)) return null;
  return new URL(candidate).origin === new URL(authorizationUrl).origin ? iss : null;
}

/** The `iss` claim of a JWT, read without verifying it: only to choose the issuer that oauth4webapi then checks. */
export function unverifiedIssuer(jwt: string): unknown {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>).iss;
  } catch {
    return undefined;
  }
}

/**
 * The signed-in account from validated ID token claims: Google's `email` (with the `email` scope), Microsoft's `email`
 * or else `preferred_username` (the UPN). An address the provider marks unverified is not taken.
 */
export function accountFromIdToken(claims: Record<string, unknown>): string | null {
  const address = (value: unknown) => (typeof value === 'string' && /^[^\s@]+@[^\s@]+$/.test(value) ? value : null);
  if (claims.email_verified !== false) {
    const email = address(claims.email);
    if (email) return email;
  }
  return address(claims.preferred_username) ?? address(claims.upn);
}

/**
 * The user in the XOAUTH2 initial response: the account the token belongs to, as both providers require; the
 * configured user name or the sender only when the provider did not name the account.
 */
export function xoauth2User(account: string | null, settings: Pick<MailSettings, 'username' | 'senderAddress'>): string {
  return account || sendingMailbox(settings);
}

/**
 * The mailbox the relay signs in as when no account names itself: the user name when one is given, else the sender.
 * The consent's login hint, an app-only login and Graph's /users/{mailbox} use it too.
 */
export function sendingMailbox(settings: Pick<MailSettings, 'username' | 'senderAddress'>): string {
  return settings.username || settings.senderAddress;
}

/** What a failed refresh does to the connected account. */
export type RefreshFailure =
  /** The grant is gone (invalid_grant, revoked, expired): both tokens go, and an admin must re-authorize. */
  | { kind: 'grant-lost'; code: string; reason: string }
  /** A passing failure (network, the server down, throttled): the refresh token stays, the next send tries again. */
  | { kind: 'passing'; code: string };

/**
 * The one place a failed refresh is judged. Only the provider saying the grant is gone loses the account; anything
 * else, including a failure that is not the provider's answer at all, keeps it for the next try.
 */
export function refreshFailure(failure: { code: string; detail?: string } | null): RefreshFailure {
  if (failure?.code === 'OAUTH_REAUTH_REQUIRED') return { kind: 'grant-lost', code: failure.code, reason: failure.detail ?? '' };
  return { kind: 'passing', code: failure?.code ?? 'refresh failed' };
}

/**
 * Settings a connected account is bound to: the OAuth client, its grant and what it asks for (changing any makes the
 * grant meaningless), and where its access tokens are sent (secret-binding.ts's MAIL_DESTINATION): a grant consented
 * for one mail server never travels to another without a new consent.
 */
const ACCOUNT_FIELDS = ['authType', 'oauthGrant', 'clientId', 'authorizationUrl', 'tokenUrl', 'scope', ...MAIL_DESTINATION] as const;

/** Whether saving `after` over `before` must forget the connected account: another client, scope or destination. */
export function forgetsAccount(
  before: Pick<MailSettings, (typeof ACCOUNT_FIELDS)[number]> | null,
  after: Pick<MailSettings, (typeof ACCOUNT_FIELDS)[number]>,
): boolean {
  return before !== null && ACCOUNT_FIELDS.some((field) => before[field] !== after[field]);
}
