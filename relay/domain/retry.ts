import type { ErrorCode } from '../../shared/errors';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** How long an alert may wait for delivery, and when waiting is said to be a delay. */
export interface DeliveryTimes {
  /** An alert not delivered after this long fails, with its last error, for an admin to retry (Postfix: 5 days). */
  queueLifetimeMs: number;
  /** An alert due this long and not delivered makes delivery "delayed" in /readyz, the status and the popup. */
  delayedAfterMs: number;
}

export const DEFAULT_DELIVERY_TIMES: DeliveryTimes = { queueLifetimeMs: 5 * DAY, delayedAfterMs: 15 * MINUTE };

/**
 * Exponential backoff with full jitter: 30 s, 1 min, 2 min … capped at 30 minutes, each drawn uniformly below its cap.
 * The cap is what an outage's end costs at most: mail goes within half an hour of the server coming back.
 */
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 30 * MINUTE;

export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  // Never less than a second: full jitter could otherwise retry at once.
  return Math.max(1_000, Math.floor(random() * cap));
}

/** Refusals of this mail or its recipients: the same mail sent again is refused again. */
const REFUSED_MAIL: ReadonlySet<ErrorCode> = new Set([
  'SMTP_RECIPIENT_REJECTED',
  'SMTP_MESSAGE_REJECTED',
  'SMTP_MESSAGE_TOO_LARGE',
  'API_MESSAGE_REJECTED',
  'API_MESSAGE_TOO_LARGE',
]);
const TOO_LARGE: ReadonlySet<ErrorCode> = new Set(['SMTP_MESSAGE_TOO_LARGE', 'API_MESSAGE_TOO_LARGE']);
/** Not failures of a send: nothing is tried until an admin acts, and the alerts wait untouched. */
const ADMIN_MUST_ACT: ReadonlySet<ErrorCode> = new Set(['OAUTH_REAUTH_REQUIRED', 'OAUTH_NOT_CONNECTED', 'MAIL_NOT_CONFIGURED']);

export type NextStep = { kind: 'split' } | { kind: 'wait' } | { kind: 'fail' } | { kind: 'retry'; at: number };

/**
 * What the outbox does after a batch failed. A mail too large for the server is split; a refused recipient or message
 * fails at once. Everything else is retried with backoff until the queue lifetime ends, including what only an admin
 * can fix (a wrong password, an expired client secret, an untrusted certificate): the fix is usually found within
 * days, and the alerts raised meanwhile must still go out then. A server that said how long to leave it alone
 * (Retry-After) is left alone at least that long.
 */
export function afterFailure(
  { code, retryAfterMs = 0 }: { code: ErrorCode; retryAfterMs?: number },
  batch: { size: number; attempts: number },
  now: number,
  random: () => number = Math.random,
): NextStep {
  if (TOO_LARGE.has(code) && batch.size > 1) return { kind: 'split' };
  if (ADMIN_MUST_ACT.has(code)) return { kind: 'wait' };
  if (REFUSED_MAIL.has(code)) return { kind: 'fail' };
  return { kind: 'retry', at: now + Math.max(retryAfterMs, retryDelay(batch.attempts, random)) };
}
