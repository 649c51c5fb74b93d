import { STATUS_CODES } from 'node:http';
import type { SendMailOptions } from 'nodemailer';
import type { Dispatcher } from 'undici';
import { needsConsent, TRANSPORT_NAMES, type MailSettings } from '../../shared/mail-settings';
import { classifyApiAnswer, classifyApiNetworkError, sendRequest, type ApiTransport } from '../domain/mail-api';
import { sendingMailbox } from '../domain/oauth-account';
import type { SmtpTimeouts } from './smtp-options';
import { needsRefresh } from '../domain/token-policy';
import { DeliveryError } from './errors';
import { proxyAgent } from './oauth-client';
import type { AccessToken, TokenManager } from './token-manager';
import type { MailSecrets } from '../storage/settings';

/** What a transport says about a mail it took. */
export interface SentInfo {
  /** The server's answer, for the test mail's result: "250 2.0.0 OK …" or "202 Accepted (Microsoft Graph)". */
  response: string;
  accepted: string[];
}

/**
 * The longest the relay waits in line for a throttled API before giving the mail back to the outbox, which then waits
 * the rest of what the API asked. Longer waits would hold the test mail's request and the one batch in flight.
 */
const MAX_WAIT_IN_LINE_MS = 30_000;
/** Throttled answers a send waits out in line before the outbox takes over. */
const MAX_WAITS_IN_LINE = 2;

export interface ApiSenderOptions {
  settings: MailSettings;
  secrets: MailSecrets;
  tokens: TokenManager;
  timeouts: SmtpTimeouts;
  /** Concurrent connections, and so requests, to the API: the provider's per-mailbox limit. */
  maxConnections: number;
  now?: () => number;
}

/**
 * Sends finished MIME messages through Microsoft Graph or the Gmail API over kept-alive HTTPS connections (undici),
 * at most the provider's concurrent requests per mailbox. A refused token is dropped and the send tried once more with
 * a fresh one; a 429 or 503 is waited out as Retry-After says, and while one send waits, every send waits.
 */
export class ApiSender {
  readonly #o: ApiSenderOptions;
  readonly #transport: ApiTransport;
  readonly #dispatcher: Promise<Dispatcher>;
  #quietUntil = 0;
  /**
   * The token this pool sends with, until it nears expiry or the API refuses it: a pooled SMTP connection likewise stays
   * logged in with the token it logged in with.
   */
  #token: AccessToken | null = null;

  constructor(options: ApiSenderOptions) {
    this.#o = options;
    this.#transport = options.settings.transport as ApiTransport;
    this.#dispatcher = dispatcherFor(options);
  }

  async send(message: SendMailOptions): Promise<SentInfo> {
    const { settings } = this.#o;
    const now = this.#o.now ?? Date.now;
    const { mime, recipients } = await buildMessage(message);
    const sender = sendingMailbox(settings);
    const request = sendRequest(this.#transport, settings.apiUrl, !needsConsent(settings), sender, mime);
    let freshToken = false;
    for (let waits = 0; ;) {
      await this.#quiet();
      const { token } = await this.#accessToken();
      const answer = await this.#post(request, token);
      if (answer.status >= 200 && answer.status < 300)
        return { response: `${answer.status} ${STATUS_CODES[answer.status] ?? ''} (${TRANSPORT_NAMES[this.#transport]})`, accepted: recipients };
      const failure = classifyApiAnswer(this.#transport, answer, now());
      if (failure.code === 'API_TOKEN_REJECTED' && !freshToken) {
        await this.#drop(token);
        freshToken = true;
        continue;
      }
      // A permission granted since this app-only token was issued shows only in a new one (Microsoft writes roles into it).
      if (failure.code === 'GRAPH_ACCESS_DENIED' && !needsConsent(settings)) await this.#drop(token);
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs <= MAX_WAIT_IN_LINE_MS && waits < MAX_WAITS_IN_LINE) {
        this.#quietUntil = Math.max(this.#quietUntil, performance.now() + failure.retryAfterMs);
        waits++;
        continue;
      }
      throw new DeliveryError(failure);
    }
  }

  close(): void {
    void this.#dispatcher.then((d) => d.close()).catch(() => undefined);
  }

  async #accessToken(): Promise<AccessToken> {
    const now = this.#o.now ?? Date.now;
    if (!this.#token || needsRefresh(this.#token.expiresAt, now())) this.#token = await this.#o.tokens.accessToken();
    return this.#token;
  }

  async #drop(token: string): Promise<void> {
    this.#token = null;
    await this.#o.tokens.invalidate(token);
  }

  async #quiet(): Promise<void> {
    const wait = this.#quietUntil - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  async #post(request: ReturnType<typeof sendRequest>, token: string): Promise<{ status: number; body: string; retryAfter: string | null }> {
    const { undici } = await modules();
    try {
      const res = await undici.request(request.url, {
        method: 'POST',
        dispatcher: await this.#dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': request.contentType, accept: 'application/json' },
        body: request.body,
        headersTimeout: this.#o.timeouts.socketMs,
        bodyTimeout: this.#o.timeouts.socketMs,
      });
      const body = await readAtMost(res.body, MAX_ANSWER_BYTES);
      const retryAfter = res.headers['retry-after'];
      return { status: res.statusCode, body, retryAfter: typeof retryAfter === 'string' ? retryAfter : null };
    } catch (err) {
      const chain: { code?: string; message?: string; cause?: unknown }[] = [];
      for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e as (typeof chain)[number]);
      const code = chain.map((e) => e.code).find((c) => typeof c === 'string' && !c.startsWith('UND_ERR_')) ?? chain[0]?.code;
      const failure = classifyApiNetworkError(
        code,
        chain
          .map((e) => e.message)
          .filter(Boolean)
          .join(': ') || String(err),
      );
      throw new DeliveryError(failure, { cause: err });
    }
  }
}

/**
 * undici and nodemailer's composer, loaded at the first API send and kept: a dynamic import() in the send path would
 * resolve the module again for every message.
 */
let loaded: Promise<{ undici: typeof import('undici'); MailComposer: typeof import('nodemailer/lib/mail-composer').default }> | null = null;
const modules = () =>
  (loaded ??= Promise.all([import('undici'), import('nodemailer/lib/mail-composer')]).then(([undici, composer]) => ({
    undici,
    MailComposer: composer.default,
  })));

/** An API's answer is a few hundred bytes; more is not read, so a broken or hostile server cannot fill memory. */
const MAX_ANSWER_BYTES = 16_384;

async function readAtMost(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The message as the SMTP transport would send it, and the addresses it goes to. */
async function buildMessage(message: SendMailOptions): Promise<{ mime: Buffer; recipients: string[] }> {
  const { MailComposer } = await modules();
  const compiled = new MailComposer({ ...message, disableFileAccess: true, disableUrlAccess: true }).compile();
  const mime = await compiled.build();
  const envelope = compiled.getEnvelope() as { to: string[] };
  return { mime, recipients: envelope.to };
}

/**
 * undici's pool to the API's origin: kept-alive connections, at most the provider's per mailbox, TLS verified (against
 * the custom CA when one is set), through the proxy when one is set.
 */
async function dispatcherFor({ settings, secrets, timeouts, maxConnections }: ApiSenderOptions): Promise<Dispatcher> {
  const { undici } = await modules();
  const tls = { rejectUnauthorized: true, minVersion: 'TLSv1.2' as const, ...(settings.caCertificate ? { ca: settings.caCertificate } : {}) };
  if (settings.proxyUrl) return proxyAgent(undici.ProxyAgent, settings, secrets, { requestTls: tls, connections: maxConnections });
  return new undici.Agent({ connections: maxConnections, connect: { ...tls, timeout: timeouts.connectionMs }, keepAliveTimeout: 60_000 });
}
