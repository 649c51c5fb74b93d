import type { ErrorCode } from '../../shared/errors';
import type { XOAuth2Challenge } from './token-policy';

/** What nodemailer attaches to a failed send; every property is optional because any error may arrive. */
export interface SmtpErrorLike {
  message?: string;
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  timeoutType?: string;
  /** The peer certificate, which Node attaches to a host name mismatch. */
  cert?: { subject?: { CN?: string }; subjectaltname?: string };
  /** What the server's `334` said when it refused an XOAUTH2 login (see delivery/xoauth2.ts). */
  xoauth2Challenge?: XOAuth2Challenge;
  /** The server does not list XOAUTH2 among its AUTH mechanisms, so no token was sent. */
  xoauth2NotOffered?: boolean;
}

/** What the relay tried: it tells a token problem from a password one. */
export interface SmtpAttempt {
  authType: 'basic' | 'oauth';
  /** App-only (client credentials): a refused token then means Exchange does not know the app, not a bad token. */
  oauthGrant?: 'authorization_code' | 'client_credentials';
}

export interface SmtpFailure {
  code: ErrorCode;
  /** Worth retrying later: network trouble, timeouts, 4xx answers. */
  temporary: boolean;
  /** The server's answer verbatim, when there was one. */
  serverResponse?: string;
  /** What the TLS or socket layer said, when that is what failed. */
  detail?: string;
}

const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * Turns a failed SMTP exchange into a stable code, following the failure table in docs/providers.md.
 */
export function classifySmtpError(err: SmtpErrorLike, { authType, oauthGrant }: SmtpAttempt): SmtpFailure {
  const response = err.response?.trim() || undefined;
  const text = response ?? '';
  const low = (code: ErrorCode, temporary = false): SmtpFailure => ({
    code,
    temporary,
    ...(response ? { serverResponse: response } : {}),
    ...(!response && err.message ? { detail: err.message } : {}),
  });
  const system = err.originalCode ?? err.code ?? '';
  const message = err.message ?? '';

  // Microsoft: 535 5.7.139 comes in two flavours, one per cause; 550 5.7.30 once basic auth is gone for good.
  if (/5\.7\.139/.test(text) && /SmtpClientAuthentication is disabled/i.test(text)) return low('SMTP_AUTH_DISABLED_FOR_TENANT');
  if (authType === 'basic' && (/5\.7\.139/.test(text) || /5\.7\.30/.test(text))) return low('SMTP_BASIC_AUTH_RETIRED');
  if (err.xoauth2NotOffered) return { ...low('SMTP_XOAUTH2_NOT_OFFERED'), detail: message };
  if (authType === 'oauth' && oauthGrant === 'client_credentials' && /\b5\.7\.3\b/.test(text)) return low('SMTP_APP_ONLY_NOT_PERMITTED');
  if (authType === 'oauth' && (err.code === 'EAUTH' || err.command?.startsWith('AUTH'))) {
    const challenge = err.xoauth2Challenge;
    const detail = challenge ? `the server said ${JSON.stringify(challenge)}` : undefined;
    // Gmail: status 400 with the scope the token should have had; 401 means the token itself was refused.
    if (challenge?.status === '400' && challenge.scope) return { ...low('SMTP_XOAUTH2_SCOPE_MISSING'), ...(detail ? { detail } : {}) };
    return { ...low('SMTP_XOAUTH2_REJECTED'), ...(detail ? { detail } : {}) };
  }
  // Gmail: 534-5.7.9 Application-specific password required.
  if (/5\.7\.9\b/.test(text) || /application-specific password/i.test(text)) return low('SMTP_APP_PASSWORD_REQUIRED');
  if (err.code === 'EAUTH' || err.command?.startsWith('AUTH'))
    return low('SMTP_AUTH_FAILED', (err.responseCode ?? 500) < 500 && (err.responseCode ?? 0) >= 400);

  if (UNTRUSTED_CERT_CODES.has(system)) return low('SMTP_CERT_UNTRUSTED');
  if (system === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = err.cert?.subjectaltname || (err.cert?.subject?.CN ? `CN=${err.cert.subject.CN}` : 'no names');
    return { ...low('SMTP_CERT_HOSTNAME_MISMATCH'), detail: `the certificate is for ${names}` };
  }
  // The server answered STARTTLS with an error: it does not offer it, and TLS was required.
  if (err.command === 'STARTTLS' && response) return low('SMTP_STARTTLS_UNAVAILABLE');
  if (unreachable(err, system, message)) return { code: 'SMTP_UNREACHABLE', temporary: true };
  if (err.code === 'ETIMEDOUT' || system === 'ETIMEDOUT') return low('SMTP_TIMEOUT', true);
  if (err.code === 'ETLS' || /^ERR_SSL_|^ERR_TLS_/.test(system)) return low('SMTP_TLS_FAILED');

  // Microsoft's limit of connections per mailbox is a 432; a 421 with 4.3.2 ("not accepting network messages", RFC 3463)
  // is any server closed for maintenance, and stays a plain temporary failure below.
  if (err.responseCode === 432 || /Concurrent connections limit exceeded|sender thread limit exceeded/i.test(text)) return low('SMTP_CONCURRENT_LIMIT', true);
  // RFC 5321 §4.5.3.1.10 / RFC 3463: the message is larger than the server takes (at MAIL FROM's SIZE, or after DATA).
  if (err.responseCode === 552 || /\b5\.3\.4\b/.test(text)) return low('SMTP_MESSAGE_TOO_LARGE');
  // Microsoft: the signed-in account may not send as the sender address.
  if (/\b5\.7\.60\b/.test(text)) return low('SMTP_SEND_AS_DENIED');
  // Microsoft's continuous-error throttling (5.2.251–5.2.255) and the daily recipient quota lift by themselves.
  if (/\b5\.2\.25[1-5]\b/.test(text)) return low('SMTP_SENDER_THROTTLED', true);
  if (/SubmissionQuotaExceeded/i.test(text)) return low('SMTP_DAILY_QUOTA_EXCEEDED', true);
  const temporary = err.responseCode !== undefined && err.responseCode >= 400 && err.responseCode < 500;
  if (err.code === 'EENVELOPE' && err.command === 'MAIL FROM') return low(temporary ? 'SMTP_TEMPORARY_FAILURE' : 'SMTP_SENDER_REJECTED', temporary);
  if (err.code === 'EENVELOPE') return low(temporary ? 'SMTP_TEMPORARY_FAILURE' : 'SMTP_RECIPIENT_REJECTED', temporary);
  if (temporary) return low('SMTP_TEMPORARY_FAILURE', true);
  if (err.code === 'EMESSAGE' || err.command === 'DATA') return low('SMTP_MESSAGE_REJECTED');
  if (err.code === 'ECONNECTION' || err.code === 'ESOCKET' || system === 'ECONNRESET' || system === 'EPIPE') return low('SMTP_CONNECTION_LOST', true);
  return low('SMTP_FAILED', !err.responseCode);
}

/**
 * No mail server answered: the name did not resolve, nothing listened, nothing answered in time, or what answered was
 * not SMTP in the mode the settings ask for (SMTPS against a STARTTLS port reads the plaintext greeting as a TLS record;
 * SMTP against an SMTPS port waits for a greeting that never comes; another service's banner). One code, with no detail
 * of which: a holder of the admin token must not learn from a test mail which machines and ports exist elsewhere
 * (sendTestMail answers it after a fixed wait, too).
 */
function unreachable(err: SmtpErrorLike, system: string, message: string): boolean {
  if (err.code === 'EDNS' || /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|ERR_SSL_WRONG_VERSION_NUMBER)$/.test(system)) return true;
  if (err.timeoutType === 'CONNECT_TIMEOUT' || err.timeoutType === 'GREETING_TIMEOUT') return true;
  if (/wrong version number|before secure TLS connection/i.test(message)) return true;
  // A greeting that is not 220: another protocol's banner, which is not echoed either.
  return err.code === 'EPROTOCOL' && err.command === 'CONN' && !(err.responseCode && err.responseCode >= 400);
}
