import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as v from 'valibot';
import { errorCodes, type ApiErrorBody, type ErrorCode, type FieldIssue } from '../../shared/errors';
import { relayErrors } from '../../shared/locales/en';
import type { DeliveryError } from '../delivery/errors';

export interface ApiErrorOptions extends ErrorOptions {
  message?: string;
  field?: string;
  issues?: FieldIssue[];
  serverResponse?: string;
}

/** An error meant for the client: its status comes from shared/errors.ts, its English message and hint from shared/locales/en.ts. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly issues?: FieldIssue[];
  readonly serverResponse?: string;

  constructor(code: ErrorCode, options: ApiErrorOptions = {}) {
    super(options.message ?? relayErrors[code].message, options);
    this.name = this.constructor.name;
    this.code = code;
    this.field = options.field;
    this.issues = options.issues;
    this.serverResponse = options.serverResponse;
  }

  get status(): ContentfulStatusCode {
    return errorCodes[this.code].status as ContentfulStatusCode;
  }

  /** A failure of the mail server or the authorization server, with what they said. */
  static fromDelivery(err: DeliveryError): ApiError {
    const { code, detail, serverResponse } = err.failure;
    const base = relayErrors[code].message;
    return new ApiError(code, { message: detail ? `${base} (${detail})` : base, serverResponse, cause: err });
  }

  static validation(issues: FieldIssue[]): ApiError {
    const [first] = issues;
    return new ApiError('VALIDATION_FAILED', { message: first ? `${first.field}: ${first.message}` : undefined, field: first?.field, issues });
  }
}

/** The one serializer of error answers. */
export function errorResponse(c: Context, err: ApiError): Response {
  const body: ApiErrorBody = {
    error: {
      code: err.code,
      message: err.message,
      hint: relayErrors[err.code].hint,
      requestId: c.get('requestId') ?? '',
      ...(err.field ? { field: err.field } : {}),
      ...(err.issues ? { issues: err.issues } : {}),
      ...(err.serverResponse ? { serverResponse: err.serverResponse } : {}),
    },
  };
  if (err.code === 'UNAUTHORIZED') c.header('WWW-Authenticate', 'Bearer');
  return c.json(body, err.status);
}

/** Issues an error answer lists at most: enough to fix a form, never an answer as large as a hostile body makes it. */
export const MAX_ISSUES = 10;

/**
 * Reads the JSON body and validates it, or throws the coded error naming the first bad fields (at most MAX_ISSUES).
 * `abortEarly` stops at the first issue: for bodies anyone with the enrollment token can send, so a body full of bad
 * values costs one issue, not one per value.
 */
export async function parseBody<S extends v.GenericSchema>(c: Context, schema: S, { optional = false, abortEarly = false } = {}): Promise<v.InferOutput<S>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== '' || !optional) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError('INVALID_JSON');
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw ApiError.validation([{ field: '(body)', message: 'The body must be a JSON object.' }]);
  }
  const result = v.safeParse(schema, json, { abortEarly });
  if (!result.success) throw ApiError.validation(result.issues.slice(0, MAX_ISSUES).map((issue) => fieldIssue(issue, '(body)')));
  return result.output;
}

/**
 * One issue as the field at fault and what to do. valibot gives a missing required key the object's own message (ours
 * say "Unknown field: remove it."), so a missing one is named as such.
 */
function fieldIssue(issue: v.BaseIssue<unknown>, whole: string): { field: string; message: string } {
  const field = v.getDotPath(issue) ?? whole;
  const missing = (issue.type === 'strict_object' || issue.type === 'object') && issue.received === 'undefined' && issue.expected?.startsWith('"');
  return { field, message: missing ? `Missing field: ${field}.` : issue.message };
}

/** A `limit` query parameter: a whole number from 1 to 1000, `fallback` when absent. */
export const limitParam = (fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, 'limit must be a whole number from 1 to 1000.'),
      v.transform(Number),
      v.minValue(1, 'limit must be at least 1.'),
      v.maxValue(1000, 'limit must be at most 1000.'),
    ),
    String(fallback),
  );

/** Validates the query string, or throws the coded error naming the first bad parameter. */
export function parseQuery<S extends v.GenericSchema>(c: Context, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, c.req.query());
  if (!result.success) throw ApiError.validation(result.issues.slice(0, MAX_ISSUES).map((issue) => fieldIssue(issue, '(query)')));
  return result.output;
}
