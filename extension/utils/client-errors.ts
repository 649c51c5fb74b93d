import type { ClientErrorCode, ErrorCode } from '../../shared/errors';

export { CLIENT_ERROR_CODES, type ClientErrorCode } from '../../shared/errors';

export type AnyErrorCode = ErrorCode | ClientErrorCode;

/** An error as the popup shows it: the code is what it translates; the rest is what the relay said. */
export interface ShownError {
  code: AnyErrorCode;
  /** The relay's English message (with the provider's own words in it), shown when the UI is in English. */
  message?: string;
  /** The relay's English hint, shown with its message. */
  hint?: string;
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
