import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { testPki } from '../fixtures/tls';

/**
 * The machinery the provider replicas share: nodemailer's smtp-server on 127.0.0.1 and a free port, made to advertise
 * exactly the provider's EHLO keywords in the provider's order and to answer with the provider's own reply lines. What
 * a provider says lives in its own file (gmail.ts, microsoft-365.ts, mta.ts), never here.
 */

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Whether the session was encrypted when the mail came in. */
  secure: boolean;
  user: string | undefined;
  /** When the server accepted it (ms since the epoch). */
  at: number;
}

export interface AuthAttempt {
  method: string;
  username: string;
  /** For XOAUTH2: whether the token was accepted. */
  accepted?: boolean;
  /** Whether the credentials arrived over TLS. */
  secure: boolean;
}

/** A reply to send: the code and its text, which starts with the enhanced status code where the provider gives one. */
export interface Reply {
  code: number;
  /** Several lines make a multi-line reply (`534-5.7.9 …` then `534 5.7.9 …`). */
  lines: string[];
}

export type AuthOutcome = { ok: true; user: string } | { ok: false; reply: Reply } | { ok: false; challenge: Record<string, string> };

export interface SmtpProfile {
  /** The greeting's host name. */
  name: string;
  /** EHLO keywords after the greeting line, in the provider's order, before and after TLS. */
  ehlo(secure: boolean): string[];
  /** The mechanisms smtp-server must run; the provider may advertise more (see ehlo). */
  mechanisms: string[];
  /** What the server says after the client's empty answer to a `334` XOAUTH2 challenge. */
  xoauth2Refusal?: Reply;
  /** SIZE in bytes, enforced at MAIL FROM (when the client declares a size) and after DATA. */
  size: number;
  /** The refusal past SIZE; Postfix's `552 5.3.4 Message size exceeds fixed limit` unless the provider says otherwise. */
  tooLarge?: Reply;
  /** Decides a login. The token in XOAUTH2 is checked by the caller's verifier. */
  authenticate(auth: { method: string; username: string; password?: string; accessToken?: string; secure: boolean }): Promise<AuthOutcome>;
  /** Accepts or refuses a MAIL FROM of a logged-in session, and may delay its message (rate limits). */
  mailFrom?(session: { user: string | undefined; from: string; connectionId: string }): Reply | null;
  /** How long to hold the 250 for a message, in ms (Microsoft delays what exceeds its per-minute rate). */
  acceptDelay?(user: string | undefined): number;
  /** Called when a message is accepted, with its recipients, so a profile can count them against a quota. */
  accepted?(user: string | undefined, recipients: number): void;
  /** Called when a connection closes, so a profile can count open connections per mailbox. */
  closed?(connectionId: string): void;
  /** Whether the server allows (and requires) AUTH before accepting mail. */
  requiresAuth: boolean;
}

export interface SmtpPeerOptions {
  /** 'starttls' offers STARTTLS on a plain port; 'implicit' is SMTPS; 'plain' has no TLS at all. */
  tls: 'starttls' | 'implicit' | 'plain';
  /** The certificate to present (default: the test CA's localhost certificate). */
  certificate?: { cert: string; key: string };
  /** Listen on this port (to bring a server back where it was). */
  port?: number;
  /** Waits this long before accepting each message, to keep sends in flight. */
  dataDelayMs?: number;
  /** Answers the n-th message (from 0) with this error instead of accepting it. */
  rejectData?: (n: number) => { responseCode: number; message: string } | null;
  /** Cuts every connection in the middle of the n-th message (from 0), as a crashing server would. */
  dropDuringData?: (n: number) => boolean;
  /** Refuses a recipient with this reply (e.g. Postfix's `550 5.1.1 … User unknown in local recipient table`). */
  rejectRecipient?: (address: string) => Reply | null;
}

export interface SmtpPeer {
  port: number;
  received: ReceivedMail[];
  authAttempts: AuthAttempt[];
  /** Every reply line with a code of 400 or more that the server sent, in order. */
  refusals: string[];
  /** How many SMTP connections were opened: a pool opens few. */
  readonly connections: number;
  /** The most connections open at one time. */
  readonly peakConnections: number;
  /** Messages whose DATA has begun, accepted or not: a send is in flight once this rises. */
  readonly dataStarted: number;
  /** The EHLO lines of the last session, as the client read them, keyed by whether TLS was on. */
  ehloSeen: { plain?: string[]; secure?: string[] };
  /** From now on greets every connection with this refusal and closes it (a server under maintenance); null to accept again. */
  refuseConnections(reply: Reply | null): void;
  close(): Promise<void>;
}

interface ConnectionInternals {
  id: string;
  secure: boolean;
  send(code: number, data?: string | string[], context?: unknown): void;
  handler_EHLO(command: Buffer, callback: () => void): void;
}

const ENHANCED = /^\d\.\d{1,3}\.\d{1,3} /;

export async function startSmtpPeer(profile: SmtpProfile, options: SmtpPeerOptions): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const authAttempts: AuthAttempt[] = [];
  const refusals: string[] = [];
  const ehloSeen: SmtpPeer['ehloSeen'] = {};
  let connections = 0;
  let open = 0;
  let peakConnections = 0;
  let dataCount = 0;
  let refuseConnections: Reply | null = null;
  const certificate = options.certificate ?? testPki().server;
  const sockets = new Set<Socket>();

  const fail = (reply: Reply) => Object.assign(new Error(reply.lines.join('\n')), { responseCode: reply.code });

  const server: SMTPServer = new SMTPServer({
    name: profile.name,
    secure: options.tls === 'implicit',
    ...(options.tls === 'plain' ? { disabledCommands: ['STARTTLS'] } : { key: certificate.key, cert: certificate.cert }),
    authMethods: profile.mechanisms,
    authOptional: !profile.requiresAuth,
    // The provider refuses AUTH before STARTTLS (538), and never lists it there (see ehlo).
    allowInsecureAuth: options.tls === 'plain',
    size: profile.size,
    logger: false,
    onConnect(session, callback) {
      connections++;
      open++;
      peakConnections = Math.max(peakConnections, open);
      shapeConnection(session);
      callback(refuseConnections ? fail(refuseConnections) : undefined);
    },
    onClose(session) {
      open--;
      profile.closed?.(session.id);
    },
    onAuth(auth: SMTPServerAuthentication, session, callback) {
      void profile
        .authenticate({
          method: auth.method,
          username: auth.username ?? '',
          password: auth.password ?? undefined,
          accessToken: auth.accessToken,
          secure: session.secure,
        })
        .then(
          (outcome) => {
            const attempt: AuthAttempt = { method: auth.method, username: auth.username ?? '', secure: session.secure };
            if (auth.method === 'XOAUTH2') attempt.accepted = outcome.ok;
            authAttempts.push(attempt);
            if (outcome.ok) return callback(null, { user: outcome.user });
            // smtp-server answers a `data` result with 334 and the JSON in base64, as Gmail does.
            if ('challenge' in outcome) return callback(null, { data: outcome.challenge });
            return callback(fail(outcome.reply));
          },
          (err: Error) => callback(err),
        );
    },
    onMailFrom(address, session, callback) {
      const reply = profile.mailFrom?.({ user: typeof session.user === 'string' ? session.user : undefined, from: address.address, connectionId: session.id });
      return reply ? callback(fail(reply)) : callback();
    },
    onRcptTo(address, _session, callback) {
      const reply = options.rejectRecipient?.(address.address);
      return reply ? callback(fail(reply)) : callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      if (options.dropDuringData?.(dataCount)) {
        dataCount++;
        for (const socket of sockets) socket.destroy();
        return;
      }
      const n = dataCount++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const user = typeof session.user === 'string' ? session.user : undefined;
        const hold = (options.dataDelayMs ?? 0) + (profile.acceptDelay?.(user) ?? 0);
        if (hold) await new Promise((r) => setTimeout(r, hold));
        // smtp-server counts the size but leaves refusing to the server: every provider refuses past its SIZE.
        if ((stream as SMTPServerDataStream & { sizeExceeded?: boolean }).sizeExceeded)
          return callback(fail(profile.tooLarge ?? { code: 552, lines: ['5.3.4 Message size exceeds fixed limit'] }));
        const rejection = options.rejectData?.(n);
        if (rejection) return callback(Object.assign(new Error(rejection.message), { responseCode: rejection.responseCode }));
        profile.accepted?.(user, session.envelope.rcptTo.length);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user,
          at: Date.now(),
        });
        callback(null, 'OK: queued as test-1');
      });
    },
  });

  /** The provider's EHLO list and reply lines, on this one connection. */
  function shapeConnection(session: SMTPServerSession): void {
    const connection = [...(server as unknown as { connections: Set<ConnectionInternals> }).connections].find((c) => c.id === session.id);
    if (!connection) throw new Error('smtp-server did not register the connection');
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) => {
      // A provider text with its own enhanced code (5.7.139, 4.3.2 …) is sent as is; smtp-server would add its own.
      // smtp-server's own words after a refused XOAUTH2 challenge, replaced by the provider's.
      if (code === 535 && data === 'Error: Username and Password not accepted' && profile.xoauth2Refusal) data = profile.xoauth2Refusal.lines;
      const lines = typeof data === 'string' ? data.split('\n') : data;
      const own = Array.isArray(lines) && lines.length > 0 && ENHANCED.test(lines[0]!);
      if (code >= 400) refusals.push(`${code} ${(lines ?? []).join(' ')}`);
      send(code, own || !Array.isArray(lines) || lines.length > 1 ? lines : lines[0], own ? false : context);
    };
    const ehlo = connection.handler_EHLO.bind(connection);
    connection.handler_EHLO = (command, callback) => {
      const keywords = profile.ehlo(connection.secure);
      ehloSeen[connection.secure ? 'secure' : 'plain'] = keywords;
      connection.send = ((original) => (code: number, data?: string | string[], context?: unknown) => {
        connection.send = original;
        original(code, code === 250 && Array.isArray(data) ? [data[0]!, ...keywords] : data, context);
      })(connection.send);
      ehlo(command, callback);
    };
  }

  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    authAttempts,
    refusals,
    ehloSeen,
    get connections() {
      return connections;
    },
    get peakConnections() {
      return peakConnections;
    },
    get dataStarted() {
      return dataCount;
    },
    refuseConnections(reply) {
      refuseConnections = reply;
    },
    // smtp-server closes its connections itself; destroying a socket under a TLS handshake in progress crashes Node 20.
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Decodes an XOAUTH2 failure the replicas share: the token was not issued, expired, or lacks the scope. */
/**
 * A token as a resource server sees it: the account it acts for (null for an app-only token, which acts for no one),
 * its scopes (for app-only, the resource's `.default`), and the application permissions (roles) an admin granted.
 */
export interface VerifiedToken {
  account: string | null;
  clientId: string;
  scopes: string[];
  roles: string[];
}

export type TokenVerifier = (accessToken: string) => Promise<VerifiedToken | null>;
