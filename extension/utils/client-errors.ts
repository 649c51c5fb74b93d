import type { ErrorCode } from '../../shared/errors';

/** Failures the extension itself detects, before or instead of a relay answer. */
export const CLIENT_ERROR_CODES = [
  'RELAY_NOT_SET',
  'RELAY_URL_INSECURE',
  'RELAY_UNREACHABLE',
  'RELAY_VERSION_MISMATCH',
  'RELAY_BAD_ANSWER',
  'CONSENT_WINDOW_CLOSED',
  'CONSENT_PAGE_UNLOADABLE',
  'CONSENT_IN_PROGRESS',
  'CONSENT_FAILED',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type AnyErrorCode = ErrorCode | ClientErrorCode;

/** An error as the popup shows it: the code is what it translates; the rest is what the relay said. */
export interface ShownError {
  code: AnyErrorCode;
  /** The relay's English message (with the provider's own words in it), shown when the UI is in English. */
  message?: string;
  field?: string;
  serverResponse?: string;
}

export class ClientError extends Error {
  readonly shown: ShownError;
  constructor(shown: ShownError) {
    super(shown.message ?? shown.code);
    this.name = this.constructor.name;
    this.shown = shown;
  }
}
