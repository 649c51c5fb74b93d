import type { ErrorCode } from '../../shared/errors';

/** What a failed OAuth exchange looked like, reduced to plain data by the delivery layer. */
export type OAuthFailureInput =
  /** An `error=` answer in the redirect URL, or an OAuth error body from the token endpoint. */
  | { kind: 'oauth'; error: string; description?: string; status?: number }
  /** The token endpoint answered 2xx but without a refresh token. */
  | { kind: 'no-refresh-token' }
  /** The request never got an OAuth answer: network, TLS, proxy, timeout, or a non-OAuth body. */
  | { kind: 'network'; message: string; systemCode?: string; viaProxy: boolean; proxyRefused?: boolean; proxyStatus?: number };

/** `client-credentials` is app-only: there is no grant to lose, only the application's own credentials. */
export type OAuthPhase = 'consent' | 'redeem' | 'refresh' | 'client-credentials';

export interface OAuthFailure {
  code: ErrorCode;
  /** The provider's own words, or what the network said. */
  detail?: string;
  /** Set when the grant is gone for good: the account needs re-authorization, and why. */
  reauthReason?: string;
}

const AADSTS: [RegExp, ErrorCode][] = [
  [/^(50011|500113)$/, 'OAUTH_REDIRECT_URI_MISMATCH'],
  [/^7000222$/, 'OAUTH_CLIENT_SECRET_EXPIRED'],
  [/^7000218$/, 'OAUTH_CLIENT_SECRET_REQUIRED'],
  [/^700025$/, 'OAUTH_PUBLIC_CLIENT_MISMATCH'],
  [/^(9002326|9002327)$/, 'OAUTH_SPA_REGISTRATION'],
  [/^(90094|90095|65001)$/, 'OAUTH_ADMIN_CONSENT_REQUIRED'],
  [/^54005$/, 'OAUTH_CODE_ALREADY_REDEEMED'],
  [/^(7000215|700016)$/, 'OAUTH_INVALID_CLIENT'],
  // 1002012: client credentials take only a resource's `.default` scope.
  [/^(70011|1002012)$/, 'OAUTH_INVALID_SCOPE'],
  [/^65004$/, 'OAUTH_ACCESS_DENIED'],
];

/** Why a refresh token stopped working, in the admin's words (docs/providers.md). */
function reauthReason(description: string): string {
  const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
  if (aadsts === '700082') return 'the refresh token expired after 90 days without use (AADSTS700082)';
  if (aadsts === '700084') return 'the app is registered as a single-page application, whose refresh tokens last 24 hours (AADSTS700084)';
  if (aadsts === '50173' || aadsts === '50133') return `the account's password changed or its sessions were revoked (AADSTS${aadsts})`;
  if (/expired or revoked/i.test(description)) {
    return 'the refresh token has expired or been revoked. Google apps that are External and in Testing get refresh tokens that last 7 days: publish the app or make it Internal, then re-authorize';
  }
  return `the authorization server refused the refresh token${description ? ` (${description})` : ''}`;
}

/** Maps an OAuth failure to a stable code with the admin's next step; `invalid_grant` on refresh asks for re-authorization. */
export function classifyOAuthError(input: OAuthFailureInput, phase: OAuthPhase): OAuthFailure {
  if (input.kind === 'no-refresh-token') return { code: 'OAUTH_NO_REFRESH_TOKEN' };
  if (input.kind === 'network') {
    if (input.proxyStatus === 407) return { code: 'OAUTH_PROXY_AUTH_FAILED', detail: input.message };
    if (input.proxyRefused) return { code: 'OAUTH_PROXY_UNREACHABLE', detail: input.message };
    return { code: 'OAUTH_TOKEN_ENDPOINT_UNREACHABLE', detail: input.message };
  }

  const description = input.description ?? '';
  const detail = description ? `${input.error}: ${description}` : input.error;
  const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
  if (aadsts) {
    const match = AADSTS.find(([pattern]) => pattern.test(aadsts));
    if (match) return { code: match[1], detail };
  }
  if (input.error === 'invalid_grant') {
    if (phase === 'refresh') return { code: 'OAUTH_REAUTH_REQUIRED', detail, reauthReason: reauthReason(description) };
    if (/already (been )?(redeemed|used)/i.test(description)) return { code: 'OAUTH_CODE_ALREADY_REDEEMED', detail };
    return { code: 'OAUTH_GRANT_INVALID', detail };
  }
  switch (input.error) {
    case 'redirect_uri_mismatch':
      return { code: 'OAUTH_REDIRECT_URI_MISMATCH', detail };
    case 'invalid_client':
    case 'unauthorized_client':
      return { code: 'OAUTH_INVALID_CLIENT', detail };
    case 'access_denied':
      return { code: 'OAUTH_ACCESS_DENIED', detail };
    case 'admin_policy_enforced':
    case 'consent_required':
      return { code: 'OAUTH_ADMIN_CONSENT_REQUIRED', detail };
    case 'invalid_scope':
      return { code: 'OAUTH_INVALID_SCOPE', detail };
    default:
      return { code: 'OAUTH_PROVIDER_ERROR', detail };
  }
}
