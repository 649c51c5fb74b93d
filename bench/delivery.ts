import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import * as v from 'valibot';
import { composeRelay } from '../relay/compose';
import { createLogger } from '../relay/log';
import { AccessTokens } from '../relay/storage/access-tokens';
import { openSqliteStores } from '../relay/storage/sqlite/index';
import { SecretBox } from '../relay/storage/secret-box';
import { MailSettingsInput } from '../shared/mail-settings';
import { testPki } from '../test/fixtures/tls';
import { GMAIL_SCOPE, startGmail } from '../test/peers/gmail';
import { GMAIL_API_SCOPE, startGmailApi } from '../test/peers/gmail-api';
import { GRAPH_SCOPE, startGraph } from '../test/peers/graph';
import { MICROSOFT_SCOPE, startMicrosoft365 } from '../test/peers/microsoft-365';
import { startMta } from '../test/peers/mta';
import type { SmtpPeer, TokenVerifier } from '../test/peers/smtp-peer';
import { median, report } from './lib';

const USER = 'alerts@example.com';
const TOKEN = 'bench-access-token';
// Microsoft's per-minute limit, with its minute scaled to nothing on both sides: what is measured is the SMTP path.
const MINUTE_MS = 1;
const MESSAGES = 300;
const CONCURRENCY = 10;
const RUNS = 3;

const message = (i: number) => ({ from: USER, to: 'it@example.com', subject: `bench ${i}`, text: 'x'.repeat(2000) });

/** Sends MESSAGES with `concurrency` in flight and answers messages per second. */
async function rate(send: (i: number) => Promise<unknown>, concurrency = CONCURRENCY): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < MESSAGES) await send(next++);
    }),
  );
  return MESSAGES / ((performance.now() - started) / 1000);
}

interface Provider {
  name: string;
  start(verifyToken: TokenVerifier): Promise<SmtpPeer>;
  settings: { provider: 'google' | 'microsoft'; emailType: 'smtps' | 'smtp'; scope: string };
  /** The bare pool's options, with the connections the relay's preset uses. */
  pool: { secure: boolean; requireTLS: boolean; maxConnections: number };
}

const PROVIDERS: Provider[] = [
  {
    name: 'Gmail replica, implicit TLS + XOAUTH2',
    start: (verifyToken) => startGmail({ verifyToken }),
    settings: { provider: 'google', emailType: 'smtps', scope: GMAIL_SCOPE },
    pool: { secure: true, requireTLS: false, maxConnections: 5 },
  },
  {
    name: 'Microsoft 365 replica, STARTTLS + XOAUTH2',
    start: (verifyToken) => startMicrosoft365({ verifyToken, minuteMs: MINUTE_MS }),
    settings: { provider: 'microsoft', emailType: 'smtp', scope: MICROSOFT_SCOPE },
    pool: { secure: false, requireTLS: true, maxConnections: 3 },
  },
];

interface Api {
  name: string;
  smtpProvider: 'google' | 'microsoft';
  start(verifyToken: TokenVerifier): Promise<{ url: string; close(): Promise<void> }>;
  settings: { provider: 'google' | 'microsoft'; transport: 'graph' | 'gmail-api'; scope: string };
}

const APIS: Api[] = [
  {
    name: 'Microsoft Graph replica, HTTPS',
    smtpProvider: 'microsoft',
    start: (verifyToken) => startGraph({ verifyToken, mailboxes: [USER] }),
    settings: { provider: 'microsoft', transport: 'graph', scope: GRAPH_SCOPE },
  },
  {
    name: 'Gmail API replica, HTTPS',
    smtpProvider: 'google',
    start: (verifyToken) => startGmailApi({ verifyToken, minuteMs: MINUTE_MS }),
    settings: { provider: 'google', transport: 'gmail-api', scope: GMAIL_API_SCOPE },
  },
];

/**
 * A relay on a fresh SQLite store, its mail settings those of `transport` (the provider, how and where it sends) with
 * the bench's OAuth client and mailbox, and its account connected with a token the replica accepts.
 */
async function benchRelay(transport: Record<string, unknown> & { scope: string }) {
  const stores = await openSqliteStores(mkdtempSync(join(tmpdir(), 'guardmail-bench-')), new SecretBox(randomBytes(32)), createLogger('silent'));
  const deps = composeRelay({
    stores,
    accessTokens: AccessTokens.of({ admin: 'a'.repeat(40), enrollment: 'e'.repeat(40) }),
    logger: createLogger('silent'),
    extensionOrigins: [],
    oauthRedirectUrls: [],
    providerMinuteMs: MINUTE_MS,
  });
  await deps.mailSettings.save(
    v.parse(MailSettingsInput, {
      authType: 'oauth',
      ...transport,
      caCertificate: testPki().caCert,
      senderAddress: USER,
      clientId: 'bench',
      authorizationUrl: 'https://login.example.com/a',
      tokenUrl: 'https://login.example.com/t',
    }),
  );
  await deps.oauth.connect({
    account: USER,
    scope: transport.scope,
    refreshToken: 'unused',
    accessToken: TOKEN,
    accessExpiresAt: Date.now() + 3_600_000,
    now: Date.now(),
  });
  return { stores, deps };
}

/** The same messages through an HTTP API with the relay's kept-alive pool, at the provider's per-mailbox concurrency. */
async function apiRate(api: Api): Promise<number> {
  const sink = await api.start(async (token) => (token === TOKEN ? { account: USER, clientId: 'bench', scopes: [api.settings.scope], roles: [] } : null));
  const { stores, deps } = await benchRelay({ ...api.settings, apiUrl: sink.url });
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    rates.push(await rate((i) => deps.sender.sendPooled(message(i))));
    deps.sender.close();
  }
  await stores.close();
  await sink.close();
  return median(rates);
}

/**
 * Messages per second through each provider replica with XOAUTH2: the relay's own pooled path against bare nodemailer
 * with the same pool in the same run, and against a new connection per message as Alertmanager sends.
 */
export async function benchDelivery(): Promise<void> {
  const tls = { ca: testPki().caCert, servername: 'localhost' };
  let gmailRelayRate = 0;
  const smtpRates = new Map<string, number>();
  for (const provider of PROVIDERS) {
    const sink = await provider.start(async (token) =>
      token === TOKEN ? { account: USER, clientId: 'bench', scopes: [provider.settings.scope], roles: [] } : null,
    );
    const { stores, deps } = await benchRelay({ ...provider.settings, host: '127.0.0.1', port: sink.port, tls: true });

    const relayRates: number[] = [];
    const pooledRates: number[] = [];
    const perConnectionRates: number[] = [];
    const auth = { type: 'OAuth2' as const, user: USER, accessToken: TOKEN };
    for (let run = 0; run < RUNS; run++) {
      relayRates.push(await rate((i) => deps.sender.sendPooled(message(i))));
      deps.sender.close();

      const pool = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, ...provider.pool, tls, pool: true, maxMessages: 1000, auth });
      pooledRates.push(await rate((i) => pool.sendMail(message(i))));
      pool.close();

      perConnectionRates.push(
        await rate((i) => {
          const single = nodemailer.createTransport({
            host: '127.0.0.1',
            port: sink.port,
            secure: provider.pool.secure,
            requireTLS: provider.pool.requireTLS,
            tls,
            auth,
          });
          return single.sendMail(message(i)).finally(() => single.close());
        }, provider.pool.maxConnections),
      );
    }
    const ours = median(relayRates);
    smtpRates.set(provider.settings.provider, ours);
    if (provider.settings.provider === 'google') gmailRelayRate = ours;
    report(`delivery, ${provider.name}`, ours, 'msg/s', median(pooledRates), 'bare nodemailer pool', '≥ 0.8');
    report('  vs a connection per message', ours, 'msg/s', median(perConnectionRates), 'new connection per message', '≥ 4');
    await stores.close();
    await sink.close();
  }
  for (const api of APIS) {
    const smtpRate = smtpRates.get(api.smtpProvider)!;
    report(`delivery, ${api.name}`, await apiRate(api), 'msg/s', smtpRate, `the relay over SMTP (${api.smtpProvider} replica)`, '≥ 1.0');
  }
  const ours = gmailRelayRate;

  // Postfix's smtp-source speaks raw SMTP without TLS or auth: the protocol's ceiling here, for context only.
  if (existsSync('/usr/sbin/smtp-source')) {
    const plain = await startMta({ tls: 'plain' });
    const started = performance.now();
    // Asynchronously: the sink runs in this process and must keep answering while smtp-source sends.
    await promisify(execFile)('/usr/sbin/smtp-source', [
      '-d',
      '-s',
      String(CONCURRENCY),
      '-m',
      String(MESSAGES),
      '-l',
      '2000',
      '-f',
      USER,
      '-t',
      'it@example.com',
      `127.0.0.1:${plain.port}`,
    ]);
    const ceiling = MESSAGES / ((performance.now() - started) / 1000);
    await plain.close();
    report('delivery vs raw SMTP (context only)', ours, 'msg/s', ceiling, "Postfix's smtp-source, no TLS", 'context');
  } else {
    process.stdout.write(`${'delivery vs raw SMTP (context only)'.padEnd(40)} smtp-source not installed (apt-get install postfix)\n`);
  }
}
