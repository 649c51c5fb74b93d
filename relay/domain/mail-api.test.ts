import { describe, expect, it } from 'vitest';
import { classifyApiAnswer, classifyApiNetworkError, retryAfterMs, sendRequest } from './mail-api';

const now = Date.parse('2026-12-03T10:00:00Z');
const graph = (status: number, code: string, message: string, retryAfter: string | null = null) =>
  classifyApiAnswer('graph', { status, body: JSON.stringify({ error: { code, message, innerError: { 'request-id': 'x' } } }), retryAfter }, now);
const gmail = (status: number, reason: string, message: string, extra: Record<string, unknown> = {}) =>
  classifyApiAnswer(
    'gmail-api',
    { status, body: JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }], ...extra } }), retryAfter: null },
    now,
  );

describe('the request for each API', () => {
  const mime = Buffer.from('From: a@contoso.com\r\nTo: b@contoso.com\r\n\r\nhi');

  it('posts base64 MIME as text/plain to /me/sendMail for a delegated Graph token, and to /users/{sender} app-only', () => {
    expect(sendRequest('graph', 'https://graph.microsoft.com/v1.0/', false, 'a@contoso.com', mime)).toEqual({
      url: 'https://graph.microsoft.com/v1.0/me/sendMail',
      contentType: 'text/plain',
      body: mime.toString('base64'),
    });
    expect(sendRequest('graph', 'https://graph.microsoft.com/v1.0', true, 'a@contoso.com', mime).url).toBe(
      'https://graph.microsoft.com/v1.0/users/a%40contoso.com/sendMail',
    );
  });

  it('posts the message base64url-encoded in `raw` to the Gmail API', () => {
    const request = sendRequest('gmail-api', 'https://gmail.googleapis.com', false, 'a@b.co', mime);
    expect(request.url).toBe('https://gmail.googleapis.com/gmail/v1/users/me/messages/send');
    expect(JSON.parse(request.body)).toEqual({ raw: mime.toString('base64url') });
  });
});

describe("what Graph's answers mean", () => {
  it.each([
    [403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'GRAPH_ACCESS_DENIED'],
    [
      403,
      'ErrorAccessDenied',
      'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
      'GRAPH_MAILBOX_OUT_OF_SCOPE',
    ],
    [
      403,
      'ErrorSendAsDenied',
      'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
      'GRAPH_SEND_AS_DENIED',
    ],
    [404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.', 'GRAPH_MAILBOX_NOT_ENABLED'],
    [404, 'ErrorInvalidUser', "The requested user 'nobody@contoso.com' is invalid.", 'GRAPH_MAILBOX_NOT_FOUND'],
    [401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.', 'API_TOKEN_REJECTED'],
    [400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.', 'API_MESSAGE_REJECTED'],
    [413, 'RequestEntityTooLarge', 'The request is too large.', 'API_MESSAGE_TOO_LARGE'],
  ] as const)('%i %s → %s', (status, code, message, expected) => {
    const failure = graph(status, code, message);
    expect(failure).toMatchObject({ code: expected, temporary: false, serverResponse: `${status} ${code}: ${message}` });
    expect(failure.retryAfterMs).toBeUndefined();
  });

  it('waits as long as Retry-After says on a 429 or a 503', () => {
    expect(graph(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', '2')).toMatchObject({
      code: 'API_THROTTLED',
      temporary: true,
      retryAfterMs: 2000,
    });
    expect(graph(503, 'ServiceUnavailable', 'Service Unavailable', 'Thu, 03 Dec 2026 10:00:30 GMT')).toMatchObject({
      code: 'API_UNAVAILABLE',
      temporary: true,
      retryAfterMs: 30_000,
    });
  });

  it("describes an answer that is not the provider's error format, and never echoes it", () => {
    expect(classifyApiAnswer('graph', { status: 502, body: '<html>Bad gateway\n</html>', retryAfter: null }, now)).toMatchObject({
      code: 'API_UNAVAILABLE',
      serverResponse: "502 an answer that is not Microsoft Graph's error format (25 bytes)",
    });
    // An intranet page behind an API URL an attacker set: its content stays where it is.
    const page = classifyApiAnswer('gmail-api', { status: 404, body: 'Internal wiki: passwords are in /secrets\n'.repeat(20), retryAfter: null }, now);
    expect(page.serverResponse).toBe("404 an answer that is not the Gmail API's error format (820 bytes)");
    // The provider's own words are kept, on one line and bounded.
    const graph = classifyApiAnswer(
      'graph',
      { status: 400, body: JSON.stringify({ error: { code: 'ErrorInvalidRecipients', message: `bad\u202e${'x'.repeat(500)}` } }), retryAfter: null },
      now,
    );
    expect(graph.serverResponse).toMatch(/^400 ErrorInvalidRecipients: bad x+$/);
    expect(graph.serverResponse!.length).toBeLessThan(250);
  });
});

describe("what the Gmail API's answers mean", () => {
  it.each([
    [403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', 'GMAIL_API_SCOPE_MISSING'],
    [403, 'accessNotConfigured', 'Gmail API has not been used in project 123 before or it is disabled.', 'GMAIL_API_DISABLED'],
    [400, 'failedPrecondition', 'Precondition check failed.', 'GMAIL_API_NOT_ENABLED_FOR_USER'],
    [400, 'invalidArgument', 'Invalid To header', 'API_MESSAGE_REJECTED'],
    [401, 'authError', 'Invalid Credentials', 'API_TOKEN_REJECTED'],
  ] as const)('%i %s → %s', (status, reason, message, expected) => {
    expect(gmail(status, reason, message)).toMatchObject({ code: expected, temporary: false, serverResponse: `${status} ${reason}: ${message}` });
  });

  it('reads a reason given only in the ErrorInfo details', () => {
    const answer = gmail(403, 'forbidden', 'Gmail API has not been used', {
      status: 'PERMISSION_DENIED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }],
    });
    expect(answer.code).toBe('GMAIL_API_DISABLED');
  });

  it('reads the wait from "Retry after" in the message, where Gmail says it', () => {
    expect(gmail(429, 'rateLimitExceeded', 'User-rate limit exceeded.  Retry after 2026-12-03T10:00:05.000Z')).toMatchObject({
      code: 'API_THROTTLED',
      temporary: true,
      retryAfterMs: 5000,
    });
    expect(gmail(403, 'dailyLimitExceeded', 'Daily Limit Exceeded')).toMatchObject({ code: 'GMAIL_API_DAILY_LIMIT', temporary: true });
  });
});

describe('Retry-After and network failures', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 09:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('tells an untrusted certificate (the admin must act) from a network that may come back', () => {
    expect(classifyApiNetworkError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')).toMatchObject({
      code: 'API_CERT_UNTRUSTED',
      temporary: false,
    });
    expect(classifyApiNetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')).toMatchObject({ code: 'API_UNREACHABLE', temporary: true });
  });
});
