import type { ErrorCode } from '../../shared/errors';
import { isEmailEntry, ROLE_LISTS, type IdentityConfig } from '../../shared/identity';
import type { AdminRole } from '../../shared/roles';
import { oneLine } from '../../shared/text';
import { notBackAt } from './consent';

/** How long an admin has to finish signing in at the identity provider. */
export const SIGN_IN_TTL_MS = 10 * 60_000;
/** A session lasts a working day; signing out, or an owner, ends it sooner. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** The scope a sign-in asks for: who the admin is, nothing at the provider on their behalf. */
export const SIGN_IN_SCOPE = 'openid email profile';

/** The claims of a validated ID token that the decision reads. */
export interface IdClaims {
  sub: string;
  [claim: string]: unknown;
}

export type RoleDecision = { ok: true; name: string; role: AdminRole } | { ok: false; name: string; code: ErrorCode; message: string };

/** What an audit entry and the popup call the admin: the address, else the sign-in name, else the subject. One line, bounded. */
export function adminName(claims: IdClaims): string {
  const name = [claims.email, claims.preferred_username, claims.sub].find((c): c is string => typeof c === 'string' && c.trim() !== '');
  return oneLine(name ?? '')
    .trim()
    .slice(0, 254);
}

/**
 * Whether the `email` claim may decide a role: Google and most providers say it was verified (`email_verified`); Entra
 * ID sends no such claim, and its tenant-specific issuer means the tenant's admins set the address.
 */
function verifiedEmail(config: IdentityConfig, claims: IdClaims): string | null {
  if (typeof claims.email !== 'string') return null;
  const verified = claims.email_verified === true || (config.preset === 'entra' && claims.email_verified === undefined);
  return verified ? claims.email.toLowerCase() : null;
}

function claimValues(claims: IdClaims, name: string): string[] {
  const value = name === '' ? undefined : claims[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The role a validated ID token earns: the highest role whose list names the admin's verified email or a value of the
 * role claim. Refused, with what to change, when the account is outside the Workspace domain, when Entra left the
 * groups out (more than its limit: `_claim_names` points elsewhere, "Groups overage claim"), or when no list names it.
 */
export function decideRole(config: IdentityConfig, claims: IdClaims): RoleDecision {
  const name = adminName(claims);
  // Google: "hd" is the only proof of the Workspace domain; the address's domain may be anyone's ("OpenID Connect", hd).
  if (config.hostedDomain && (typeof claims.hd !== 'string' || claims.hd.toLowerCase() !== config.hostedDomain.toLowerCase())) {
    return { ok: false, name, code: 'SIGN_IN_WRONG_DOMAIN', message: `${name} is not an account of ${config.hostedDomain}.` };
  }
  const overage = claims._claim_names;
  if (config.roleClaim && typeof overage === 'object' && overage !== null && config.roleClaim in overage) {
    return {
      ok: false,
      name,
      code: 'SIGN_IN_GROUPS_OVERAGE',
      message: `The identity provider left the ${config.roleClaim} claim out of ${name}'s ID token: too many groups.`,
    };
  }
  const email = verifiedEmail(config, claims);
  const values = new Set(claimValues(claims, config.roleClaim));
  for (const [list, role] of ROLE_LISTS) {
    const listed = config[list].some((entry) => (isEmailEntry(entry) ? email !== null && entry.toLowerCase() === email : values.has(entry)));
    if (listed) return { ok: true, name, role };
  }
  return { ok: false, name, code: 'SIGN_IN_NO_ROLE', message: `${name} is in none of the owners, operators or viewers lists.` };
}

/**
 * The authorization request's own parameters besides the code flow's: the scope, and for Google the Workspace domain
 * (`hd`), a hint that only narrows the account chooser: decideRole checks the claim.
 */
export function signInParams(config: IdentityConfig): Record<string, string> {
  return { scope: SIGN_IN_SCOPE, ...(config.preset === 'google' && config.hostedDomain ? { hd: config.hostedDomain } : {}) };
}

/** A sign-in begun and not finished, as the relay keeps it. */
export interface PendingSignIn {
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export type SignInCallbackCheck = { ok: true } | { ok: false; code: ErrorCode; field?: string; message?: string };

/**
 * Whether the URL the sign-in window ended on may be redeemed: it names a sign-in this relay began (by `state`), comes
 * back to that sign-in's redirect URL, in time, once; and the provider did not answer with an error.
 */
export function checkSignInCallback(pending: PendingSignIn | null, callbackUrl: URL, now: number): SignInCallbackCheck {
  if (!pending) return { ok: false, code: 'SIGN_IN_UNKNOWN' };
  const elsewhere = notBackAt(callbackUrl, pending.redirectUri, 'the sign-in');
  if (elsewhere) return elsewhere;
  if (pending.used) return { ok: false, code: 'SIGN_IN_ALREADY_USED' };
  if (pending.expiresAt < now) return { ok: false, code: 'SIGN_IN_EXPIRED' };
  const error = callbackUrl.searchParams.get('error');
  if (error) {
    const said = oneLine(`${error}: ${callbackUrl.searchParams.get('error_description') ?? ''}`).slice(0, 300);
    return { ok: false, code: 'SIGN_IN_REFUSED', message: `The identity provider refused the sign-in (${said}).` };
  }
  return { ok: true };
}
