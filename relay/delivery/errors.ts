import type { ErrorCode } from '../../shared/errors';

export interface Failure {
  code: ErrorCode;
  /** What went wrong in the words of whoever failed (TLS layer, provider description). */
  detail?: string;
  /** A remote server's answer, verbatim. */
  serverResponse?: string;
  /** Worth retrying later. */
  temporary?: boolean;
  /** How long the server asked to be left alone (an API's Retry-After). */
  retryAfterMs?: number;
}

/** A classified failure of the delivery layer (SMTP or OAuth); the routes turn it into an API error. */
export class DeliveryError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure, options?: ErrorOptions) {
    super(`${failure.code}${failure.detail ? `: ${failure.detail}` : ''}`, options);
    this.name = this.constructor.name;
    this.failure = failure;
  }
}
