import { describe, expect, it } from 'vitest';
import { afterFailure, RETRY_MAX_MS, retryDelay } from './retry';

describe('retryDelay', () => {
  it('doubles from 30 s and never draws more than 30 minutes, however many attempts', () => {
    const largest = (attempt: number) => retryDelay(attempt, () => 0.999_999);
    expect([1, 2, 3].map(largest)).toEqual([29_999, 59_999, 119_999]);
    expect(largest(7)).toBe(RETRY_MAX_MS - 2);
    expect(largest(500)).toBe(RETRY_MAX_MS - 2);
    expect(retryDelay(500, () => 0)).toBe(1_000);
  });
});

describe('afterFailure', () => {
  const now = 1_000_000;
  const one = { size: 1, attempts: 3 };

  it('retries what may pass or what an admin may fix, with backoff and no limit on attempts', () => {
    for (const code of [
      'SMTP_TEMPORARY_FAILURE',
      'SMTP_UNREACHABLE',
      'OAUTH_TOKEN_ENDPOINT_UNREACHABLE',
      'SMTP_AUTH_FAILED',
      'SMTP_CERT_UNTRUSTED',
      'SMTP_SEND_AS_DENIED',
    ] as const) {
      expect(afterFailure({ code }, { size: 1, attempts: 10_000 }, now, () => 0.5)).toEqual({ kind: 'retry', at: now + RETRY_MAX_MS / 2 });
    }
  });

  it('fails at once when the mail or its recipients are refused', () => {
    for (const code of ['SMTP_RECIPIENT_REJECTED', 'SMTP_MESSAGE_REJECTED'] as const) expect(afterFailure({ code }, one, now)).toEqual({ kind: 'fail' });
    expect(afterFailure({ code: 'SMTP_MESSAGE_TOO_LARGE' }, one, now)).toEqual({ kind: 'fail' });
  });

  it('splits a batch too large for the server, and leaves alerts untouched while an admin must act', () => {
    expect(afterFailure({ code: 'SMTP_MESSAGE_TOO_LARGE' }, { size: 2, attempts: 1 }, now)).toEqual({ kind: 'split' });
    for (const code of ['OAUTH_REAUTH_REQUIRED', 'OAUTH_NOT_CONNECTED', 'MAIL_NOT_CONFIGURED'] as const)
      expect(afterFailure({ code }, one, now)).toEqual({ kind: 'wait' });
    expect(afterFailure({ code: 'API_MESSAGE_TOO_LARGE' }, { size: 2, attempts: 1 }, now)).toEqual({ kind: 'split' });
    expect(afterFailure({ code: 'API_MESSAGE_REJECTED' }, one, now)).toEqual({ kind: 'fail' });
  });

  it('leaves a throttling API alone at least as long as its Retry-After asked, and backs off further when that is longer', () => {
    expect(afterFailure({ code: 'API_THROTTLED', retryAfterMs: 600_000 }, one, now, () => 0.5)).toEqual({ kind: 'retry', at: now + 600_000 });
    expect(afterFailure({ code: 'API_THROTTLED', retryAfterMs: 1_000 }, one, now, () => 0.5)).toEqual({ kind: 'retry', at: now + 60_000 });
  });
});
