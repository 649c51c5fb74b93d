import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerAddresses } from '../fixtures/mail';
import { serveHttps } from '../fixtures/tls';
import type { ReceivedMail, TokenVerifier } from './smtp-peer';

/**
 * The Gmail API's `users.messages.send` as it answers a client, over real TLS (the test CA), from Google's reference:
 * - `POST /gmail/v1/users/{userId}/messages/send`, `userId` being `me` or the account's address, with JSON
 *   `{"raw": <base64url RFC 2822 message>}`; `200` with the Message resource `{"id", "threadId", "labelIds": ["SENT"]}`.
 * - Scopes that may send: gmail.send, gmail.compose, gmail.modify or https://mail.google.com/ (the method's
 *   "Authorization scopes"); any other token gets `403 insufficientPermissions` / ErrorInfo `ACCESS_TOKEN_SCOPE_INSUFFICIENT`.
 * - Errors as `{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}` ("Resolve errors"):
 *   `401 authError` "Invalid Credentials"; the API off in the client's Cloud project `403 accessNotConfigured`
 *   (ErrorInfo `SERVICE_DISABLED`); Gmail off for the user `400 failedPrecondition` "Precondition check failed.";
 *   the per-user quota (15,000 units a minute, 100 per send: "Usage limits") `403 userRateLimitExceeded`; the mail
 *   sending limit `429 rateLimitExceeded` "User-rate limit exceeded.  Retry after <time> (Mail sending)", which
 *   `throttle()` injects; past the account's daily sending limit, `403 dailyLimitExceeded` "Daily user sending limit
 *   exceeded." (Google Workspace: 2,000 messages a day).
 * Gmail sends as the account: a From it has no "Send mail as" alias for is replaced by the account's address.
 * Gmail sends to the To, Cc and Bcc of the message's header. Accepted messages are delivered into `received`, the same list the SMTP replicas fill.
 */
export const GMAIL_API_SCOPE = 'https://www.googleapis.com/auth/gmail.send';
const SENDING_SCOPES = [
  GMAIL_API_SCOPE,
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://mail.google.com/',
];

export interface GmailApiOptions {
  verifyToken: TokenVerifier;
  /** The Gmail API is disabled in the OAuth client's Google Cloud project. */
  apiDisabled?: boolean;
  /** Accounts Gmail is turned off for in the Admin console. */
  gmailDisabled?: string[];
  /** "Send mail as" aliases per account. */
  sendAs?: Record<string, string[]>;
  received?: ReceivedMail[];
  /** The length of Google's minute, scaled down in tests. */
  minuteMs?: number;
  /** Messages an account may send in a day (Google Workspace: 2,000, "Gmail sending limits in Google Workspace"). */
  messagesPerDay?: number;
}

export interface GmailApiPeer {
  /** The base URL, as the API URL setting takes it. */
  url: string;
  received: ReceivedMail[];
  requests: { path: string; status: number; reason?: string }[];
  /** Answers the next `count` sends with `429 rateLimitExceeded`, retry after `seconds`. */
  throttle(count: number, seconds: number): void;
  close(): Promise<void>;
}

const UNITS_PER_MINUTE = 15_000;
const SEND_UNITS = 100;

export async function startGmailApi(options: GmailApiOptions): Promise<GmailApiPeer> {
  const received = options.received ?? [];
  const requests: GmailApiPeer['requests'] = [];
  const spent = new Map<string, number[]>();
  const sentToday = new Map<string, number>();
  let throttled: { count: number; seconds: number } | null = null;

  const fail = (res: ServerResponse, path: string, status: number, reason: string, message: string, extra: Record<string, unknown> = {}, domain = 'global') => {
    requests.push({ path, status, reason });
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, domain, reason }], ...extra } }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    const match = /^\/gmail\/v1\/users\/([^/]+)\/messages\/send$/.exec(path);
    if (req.method !== 'POST' || !match) return fail(res, path, 404, 'notFound', 'Not Found');

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ? await options.verifyToken(bearer) : null;
    if (!token || token.account === null) {
      return fail(res, path, 401, 'authError', 'Invalid Credentials', { status: 'UNAUTHENTICATED' });
    }
    if (options.apiDisabled) {
      const message =
        'Gmail API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/gmail.googleapis.com/overview?project=123456789012 then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.';
      return fail(
        res,
        path,
        403,
        'accessNotConfigured',
        message,
        {
          status: 'PERMISSION_DENIED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'SERVICE_DISABLED',
              domain: 'googleapis.com',
              metadata: { service: 'gmail.googleapis.com', consumer: 'projects/123456789012' },
            },
          ],
        },
        'usageLimits',
      );
    }
    if (!token.scopes.some((s) => SENDING_SCOPES.includes(s))) {
      return fail(res, path, 403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
        status: 'PERMISSION_DENIED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
            domain: 'googleapis.com',
            metadata: { service: 'gmail.googleapis.com', method: 'caribou.api.proto.MailboxService.SendMessage' },
          },
        ],
      });
    }
    const account = token.account.toLowerCase();
    const userId = decodeURIComponent(match[1]!).toLowerCase();
    if (userId !== 'me' && userId !== account) return fail(res, path, 403, 'forbidden', `Delegation denied for ${account}`, { status: 'PERMISSION_DENIED' });
    if (options.gmailDisabled?.map((a) => a.toLowerCase()).includes(account))
      return fail(res, path, 400, 'failedPrecondition', 'Precondition check failed.', { status: 'FAILED_PRECONDITION' });

    if (throttled && throttled.count > 0) {
      throttled.count--;
      const message = `User-rate limit exceeded.  Retry after ${new Date(Date.now() + throttled.seconds * 1000).toISOString()} (Mail sending)`;
      return fail(res, path, 429, 'rateLimitExceeded', message, { status: 'RESOURCE_EXHAUSTED' }, 'usageLimits');
    }
    const now = Date.now();
    if ((sentToday.get(account) ?? 0) >= (options.messagesPerDay ?? 2_000)) {
      return fail(res, path, 403, 'dailyLimitExceeded', 'Daily user sending limit exceeded.', { status: 'PERMISSION_DENIED' }, 'usageLimits');
    }
    const minute = (spent.get(account) ?? []).filter((t) => t > now - (options.minuteMs ?? 60_000));
    if ((minute.length + 1) * SEND_UNITS > UNITS_PER_MINUTE)
      return fail(res, path, 403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {}, 'usageLimits');
    spent.set(account, [...minute, now]);

    let raw: string;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { raw?: unknown };
      if (typeof body.raw !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(body.raw)) throw new Error('raw');
      raw = Buffer.from(body.raw, 'base64url').toString('utf8');
    } catch {
      return fail(res, path, 400, 'invalidArgument', "'raw' RFC822 payload message string or uploading message via /upload/* URL required", {
        status: 'INVALID_ARGUMENT',
      });
    }
    const { from: claimed, recipients: to } = headerAddresses(raw);
    if (to.length === 0) return fail(res, path, 400, 'invalidArgument', 'Recipient address required', { status: 'INVALID_ARGUMENT' });
    const aliases = (options.sendAs?.[account] ?? []).map((a) => a.toLowerCase());
    const from = claimed !== null && aliases.includes(claimed) ? claimed : account;
    received.push({ from, to, raw, secure: true, user: account, at: now });
    sentToday.set(account, (sentToday.get(account) ?? 0) + 1);
    const id = now.toString(16) + Math.random().toString(16).slice(2, 6);
    requests.push({ path, status: 200 });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify({ id, threadId: id, labelIds: ['SENT'] }));
  };

  const server = await serveHttps((req, res) => void handle(req, res).catch((err: unknown) => fail(res, req.url ?? '', 500, 'backendError', String(err))));
  return {
    url: `${server.origin}`,
    received,
    requests,
    throttle(count, seconds) {
      throttled = { count, seconds };
    },
    close: () => server.close(),
  };
}
