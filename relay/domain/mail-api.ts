import { oneLine } from '../../shared/text';
import type { ErrorCode } from '../../shared/errors';
import type { Transport } from '../../shared/mail-settings';

/**
 * The last step of sending over a provider's HTTPS API instead of SMTP, decided from data alone: the request that
 * carries a finished MIME message, and what the API's answer means. The relay builds the same message for every
 * transport (the same Message-ID, headers and body), so only this step differs.
 */
export type ApiTransport = Exclude<Transport, 'smtp'>;

export interface ApiRequest {
  url: string;
  contentType: string;
  body: string;
}

/**
 * - Microsoft Graph, `POST /me/sendMail` (delegated) or `/users/{sender}/sendMail` (app-only, where there is no "me"),
 *   with the MIME message base64-encoded as `text/plain` ("Send Outlook messages in MIME format", user-sendmail).
 * - Gmail API, `POST /gmail/v1/users/me/messages/send` with the message base64url-encoded in `raw` (users.messages.send).
 */
export function sendRequest(transport: ApiTransport, apiUrl: string, appOnly: boolean, sender: string, mime: Buffer): ApiRequest {
  const base = apiUrl.replace(/\/+$/, '');
  if (transport === 'graph') {
    return { url: `${base}/${appOnly ? `users/${encodeURIComponent(sender)}` : 'me'}/sendMail`, contentType: 'text/plain', body: mime.toString('base64') };
  }
  return { url: `${base}/gmail/v1/users/me/messages/send`, contentType: 'application/json', body: JSON.stringify({ raw: mime.toString('base64url') }) };
}

/** What came back, as plain data. */
export interface ApiAnswer {
  status: number;
  body: string;
  /** The Retry-After header, when there was one. */
  retryAfter: string | null;
}

export interface ApiFailure {
  code: ErrorCode;
  temporary: boolean;
  /** The API's own words: status, error code and message. */
  serverResponse: string;
  /** How long the API asked to be left alone, when it said. */
  retryAfterMs?: number;
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

interface GraphError {
  code?: string;
  message?: string;
}

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  errors?: { reason?: string; message?: string }[];
  details?: { '@type'?: string; reason?: string }[];
}

function errorObject<T>(body: string): T {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return (parsed && typeof parsed.error === 'object' && parsed.error ? parsed.error : {}) as T;
  } catch {
    return {} as T;
  }
}

/** A provider's own words, as its error format gives them: one plain line, at most 200 characters. */
const said = (s: string) => oneLine(s).trim().slice(0, 200);

/**
 * An answer that is not the provider's error format is described, never echoed: the API URL is the admin's to set, and
 * a test mail must not read another server's pages back to whoever holds the admin token.
 */
const unexpected = (provider: string, body: string) => `an answer that is not ${provider}'s error format (${Buffer.byteLength(body)} bytes)`;

/** Graph's error body: `{"error": {"code", "message", "innerError"}}` ("Microsoft Graph error responses and resource types"). */
function classifyGraph(status: number, body: string): Omit<ApiFailure, 'serverResponse' | 'retryAfterMs'> & { words: string } {
  const error = errorObject<GraphError>(body);
  const code = error.code ?? '';
  const message = error.message ?? '';
  const words = code ? `${said(code)}: ${said(message)}` : unexpected('Microsoft Graph', body);
  const is = (c: ErrorCode, temporary = false) => ({ code: c, temporary, words });
  if (status === 401) return is('API_TOKEN_REJECTED');
  if (code === 'ErrorSendAsDenied') return is('GRAPH_SEND_AS_DENIED');
  if (code === 'MailboxNotEnabledForRESTAPI') return is('GRAPH_MAILBOX_NOT_ENABLED');
  if (code === 'ErrorInvalidUser' || code === 'ResourceNotFound' || code === 'Request_ResourceNotFound') return is('GRAPH_MAILBOX_NOT_FOUND');
  // An application access policy says "[RAOP] … AppOnly AccessPolicy"; RBAC for Applications scopes are checked the same way.
  if (status === 403 && /AccessPolicy|RAOP|RBAC|management scope/i.test(message)) return is('GRAPH_MAILBOX_OUT_OF_SCOPE');
  if (status === 403 || code === 'ErrorAccessDenied' || code === 'NoPermissionsInAccessToken') return is('GRAPH_ACCESS_DENIED');
  if (status === 413 || code === 'ErrorMessageSizeExceeded' || code === 'RequestEntityTooLarge') return is('API_MESSAGE_TOO_LARGE');
  if (status === 429) return is('API_THROTTLED', true);
  if (status >= 500) return is('API_UNAVAILABLE', true);
  if (status === 400) return is('API_MESSAGE_REJECTED');
  return is('API_FAILED');
}

/** Google's error body: `{"error": {"code", "message", "errors": [{"reason"}], "status", "details"}}` (Gmail API, "Resolve errors"). */
function classifyGmail(status: number, body: string): Omit<ApiFailure, 'serverResponse' | 'retryAfterMs'> & { words: string } {
  const error = errorObject<GoogleError>(body);
  const reasons = [...(error.errors ?? []).map((e) => e.reason), ...(error.details ?? []).map((d) => d.reason), error.status].filter((r): r is string =>
    Boolean(r),
  );
  const has = (...r: string[]) => reasons.some((reason) => r.includes(reason));
  const message = error.message ?? '';
  const words = error.message ? `${said(String(reasons[0] ?? status))}: ${said(message)}` : unexpected('the Gmail API', body);
  const is = (c: ErrorCode, temporary = false) => ({ code: c, temporary, words });
  if (status === 401) return is('API_TOKEN_REJECTED');
  if (has('insufficientPermissions', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT')) return is('GMAIL_API_SCOPE_MISSING');
  if (has('accessNotConfigured', 'SERVICE_DISABLED')) return is('GMAIL_API_DISABLED');
  if (has('dailyLimitExceeded') || /daily user sending limit/i.test(message)) return is('GMAIL_API_DAILY_LIMIT', true);
  if (status === 429 || has('rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED')) return is('API_THROTTLED', true);
  if (has('failedPrecondition', 'FAILED_PRECONDITION')) return is('GMAIL_API_NOT_ENABLED_FOR_USER');
  if (status === 413) return is('API_MESSAGE_TOO_LARGE');
  if (status >= 500) return is('API_UNAVAILABLE', true);
  if (status === 400) return is('API_MESSAGE_REJECTED');
  if (status === 403) return is('GMAIL_API_SCOPE_MISSING');
  return is('API_FAILED');
}

/**
 * Turns an API's refusal into a stable code. How long to wait comes from Retry-After (Graph sends it with every 429
 * and with 503s), or from Gmail's "Retry after <time>" in the message, which is where Gmail says it.
 */
export function classifyApiAnswer(transport: ApiTransport, answer: ApiAnswer, now: number): ApiFailure {
  const { words, ...failure } = transport === 'graph' ? classifyGraph(answer.status, answer.body) : classifyGmail(answer.status, answer.body);
  const saidInMessage = /Retry after (\S+Z)\b/.exec(answer.body)?.[1] ?? null;
  const wait = retryAfterMs(answer.retryAfter, now) ?? retryAfterMs(saidInMessage, now);
  return { ...failure, serverResponse: `${answer.status} ${words}`.trim(), ...(wait !== null && failure.temporary ? { retryAfterMs: wait } : {}) };
}

const UNTRUSTED_CERT =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** A request that got no HTTP answer: an untrusted certificate needs the admin; anything else is the network, and passes. */
export function classifyApiNetworkError(systemCode: string | undefined, message: string): { code: ErrorCode; temporary: boolean; detail: string } {
  if (systemCode && UNTRUSTED_CERT.test(systemCode)) return { code: 'API_CERT_UNTRUSTED', temporary: false, detail: message };
  // Which of refused, timed out or unresolved is not said: the API URL must not make a port scanner (smtp-errors.ts).
  return { code: 'API_UNREACHABLE', temporary: true, detail: '' };
}
