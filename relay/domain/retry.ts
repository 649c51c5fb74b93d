/** Exponential backoff with full jitter: 30 s, 1 min, 2 min … capped at an hour, each drawn uniformly below its cap. */
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 60 * 60_000;
/** After this many attempts a temporary failure is treated as permanent, so nothing retries forever. */
export const MAX_ATTEMPTS = 12;

export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  // Never less than a second: full jitter could otherwise retry at once.
  return Math.max(1_000, Math.floor(random() * cap));
}
