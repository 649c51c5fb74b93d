import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerAddresses } from '../fixtures/mail';
import { serveHttps } from '../fixtures/tls';
import type { ReceivedMail, TokenVerifier, VerifiedToken } from './smtp-peer';

/**
 * Microsoft Graph's `sendMail` as it answers a client, over real TLS (the test CA), each behaviour from Microsoft Learn:
 * - `POST /v1.0/me/sendMail` with a delegated token, `POST /v1.0/users/{id | userPrincipalName}/sendMail` with either;
 *   the body a base64 MIME message sent as `text/plain`; `202 Accepted` and no body ("user: sendMail", "Send Outlook
 *   messages in MIME format"). `/me` with an app-only token is `400 BadRequest` ("/me request is only valid with
 *   delegated authentication flow.").
 * - Errors as `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}` ("Microsoft
 *   Graph error responses and resource types"): no or a bad token `401 InvalidAuthenticationToken`; a token for another
 *   resource `401` ("Invalid audience"); no Mail.Send (delegated scope, or the application permission with admin
 *   consent) `403 ErrorAccessDenied` "Access is denied. Check credentials and try again."; a mailbox outside the app's
 *   application access policy `403 ErrorAccessDenied` "Access to OData is disabled: [RAOP] : Blocked by tenant
 *   configured AppOnly AccessPolicy settings." ("Limiting application permissions to specific Exchange Online
 *   mailboxes"); a From the account may not send as `403 ErrorSendAsDenied`; an unknown user `404 ErrorInvalidUser`; a
 *   mailbox that is inactive, on-premises or unlicensed `404 MailboxNotEnabledForRESTAPI`; base64 that is not
 *   `400 ErrorMimeContentInvalidBase64String`.
 * - Throttling ("Microsoft Graph service-specific throttling limits", Outlook service): 4 concurrent requests per app per
 *   mailbox, then `429 ApplicationThrottled` "Application is over its MailboxConcurrency limit." with `Retry-After`;
 *   10,000 requests per 10 minutes per app per mailbox, then the same with "MailboxRequests"; `throttle()` injects the
 *   429s a busy tenant gives, with the Retry-After it chose; `unavailable()` the `503` with `Retry-After` of an incident
 *   ("Microsoft Graph error responses": "retry the request after the time in Retry-After").
 * Graph sends to the To, Cc and Bcc of the message's header. Accepted messages are delivered into `received`, the same list the SMTP replicas fill.
 */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/Mail.Send';
export const GRAPH_APP_SCOPE = 'https://graph.microsoft.com/.default';
const GRAPH_RESOURCE = 'https://graph.microsoft.com/';

export interface GraphOptions {
  verifyToken: TokenVerifier;
  /** The tenant's mailboxes; any other address is an unknown user. */
  mailboxes: string[];
  /** Mailboxes Graph cannot reach: inactive, soft-deleted, on-premises or unlicensed. */
  restDisabled?: string[];
  /** Send As rights: which other addresses each mailbox may send as. */
  sendAs?: Record<string, string[]>;
  /** Application access policies (RestrictAccess): the mailboxes each app may reach; an app without one reaches all. */
  accessPolicy?: Record<string, string[]>;
  /** Where accepted mail goes: share an SMTP replica's `received` to have one mailbox. */
  received?: ReceivedMail[];
  /** Holds each request this long before answering, to keep requests in flight. */
  delayMs?: number;
  /** The length of Graph's 10 minutes, scaled down in tests. */
  tenMinutesMs?: number;
}

export interface GraphRequest {
  path: string;
  status: number;
  code?: string;
  /** Requests in flight for the same app and mailbox when this one arrived, itself included. */
  concurrent: number;
}

export interface GraphPeer {
  /** The base URL, `https://127.0.0.1:{port}/v1.0`, as the API URL setting takes it. */
  url: string;
  received: ReceivedMail[];
  requests: GraphRequest[];
  /** Answers the next `count` sends with `429 ApplicationThrottled` and `Retry-After: {seconds}`. */
  throttle(count: number, retryAfterSeconds: number): void;
  /** Answers the next `count` sends with `503 ServiceUnavailable` and `Retry-After: {seconds}`, as during an incident. */
  unavailable(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

const CONCURRENT_PER_MAILBOX = 4;
const REQUESTS_PER_TEN_MINUTES = 10_000;

export async function startGraph(options: GraphOptions): Promise<GraphPeer> {
  const received = options.received ?? [];
  const requests: GraphRequest[] = [];
  const inFlight = new Map<string, number>();
  const recent = new Map<string, number[]>();
  let throttled: { count: number; seconds: number } | null = null;
  let down: { count: number; seconds: number } | null = null;
  const mailboxes = new Set(options.mailboxes.map((m) => m.toLowerCase()));

  const answer = (res: ServerResponse, path: string, status: number, code?: string, message?: string, headers: Record<string, string> = {}, concurrent = 0) => {
    requests.push({ path, status, ...(code ? { code } : {}), concurrent });
    const date = new Date().toISOString().slice(0, 19);
    const body = code
      ? JSON.stringify({ error: { code, message, innerError: { date, 'request-id': crypto.randomUUID(), 'client-request-id': crypto.randomUUID() } } })
      : '';
    res.writeHead(status, { ...(code ? { 'Content-Type': 'application/json' } : {}), ...headers });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    const match = /^\/v1\.0\/(me|users\/([^/]+))\/sendMail$/i.exec(path);
    if (req.method !== 'POST' || !match) return answer(res, path, 400, 'BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`);

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return answer(res, path, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = await options.verifyToken(bearer);
    if (!token) return answer(res, path, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    if (!token.scopes.some((s) => s.startsWith(GRAPH_RESOURCE)))
      return answer(res, path, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    if (match[1] === 'me' && token.account === null)
      return answer(res, path, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    if (!mayMail(token)) return answer(res, path, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

    const mailbox = (match[2] ? decodeURIComponent(match[2]) : token.account!).toLowerCase();
    if (!mailboxes.has(mailbox)) return answer(res, path, 404, 'ErrorInvalidUser', `The requested user '${mailbox}' is invalid.`);
    if (options.restDisabled?.map((m) => m.toLowerCase()).includes(mailbox)) {
      return answer(res, path, 404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    }
    // A delegated token reaches another user's mailbox only with delegate rights; this replica grants none.
    if (token.account !== null && token.account.toLowerCase() !== mailbox)
      return answer(res, path, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    const policy = options.accessPolicy?.[token.clientId];
    if (token.account === null && policy && !policy.map((m) => m.toLowerCase()).includes(mailbox)) {
      return answer(res, path, 403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.');
    }

    const key = `${token.clientId}|${mailbox}`;
    const concurrent = (inFlight.get(key) ?? 0) + 1;
    const now = Date.now();
    const window = (recent.get(key) ?? []).filter((t) => t > now - (options.tenMinutesMs ?? 600_000));
    if (down && down.count > 0) {
      down.count--;
      return answer(res, path, 503, 'ServiceUnavailable', 'Service Unavailable', { 'Retry-After': String(down.seconds) });
    }
    if (throttled && throttled.count > 0) {
      throttled.count--;
      return answer(
        res,
        path,
        429,
        'ApplicationThrottled',
        'Application is over its MailboxConcurrency limit.',
        { 'Retry-After': String(throttled.seconds) },
        concurrent,
      );
    }
    if (concurrent > CONCURRENT_PER_MAILBOX)
      return answer(res, path, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '1' }, concurrent);
    if (window.length >= REQUESTS_PER_TEN_MINUTES)
      return answer(res, path, 429, 'ApplicationThrottled', 'Application is over its MailboxRequests limit.', { 'Retry-After': '60' }, concurrent);
    recent.set(key, [...window, now]);

    inFlight.set(key, concurrent);
    try {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (!/^text\/plain\b/i.test(req.headers['content-type'] ?? ''))
        return answer(res, path, 400, 'ErrorInvalidRequest', 'Cannot read the request body: send the MIME message as text/plain.', {}, concurrent);
      const text = Buffer.concat(chunks).toString('ascii').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text))
        return answer(res, path, 400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.', {}, concurrent);
      const raw = Buffer.from(text, 'base64').toString('utf8');
      const { from: claimed, recipients: to } = headerAddresses(raw);
      const from = claimed ?? mailbox;
      if (from !== mailbox && !(options.sendAs?.[mailbox] ?? []).map((a) => a.toLowerCase()).includes(from)) {
        return answer(
          res,
          path,
          403,
          'ErrorSendAsDenied',
          'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
          {},
          concurrent,
        );
      }
      received.push({ from, to, raw, secure: true, user: mailbox, at: Date.now() });
      return answer(res, path, 202, undefined, undefined, {}, concurrent);
    } finally {
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }
  };

  const server = await serveHttps(
    (req, res) => void handle(req, res).catch((err: unknown) => answer(res, req.url ?? '', 500, 'InternalServerError', String(err))),
  );
  return {
    url: `${server.origin}/v1.0`,
    received,
    requests,
    throttle(count, seconds) {
      throttled = { count, seconds };
    },
    unavailable(count, seconds) {
      down = { count, seconds };
    },
    close: () => server.close(),
  };
}

/** Delegated: the Mail.Send scope; app-only: the Mail.Send application permission, granted with admin consent. */
function mayMail(token: VerifiedToken): boolean {
  return token.account === null ? token.scopes.includes(GRAPH_APP_SCOPE) && token.roles.includes('Mail.Send') : token.scopes.includes(GRAPH_SCOPE);
}
