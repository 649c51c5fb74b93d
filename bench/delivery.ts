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
import { openDatabase } from '../relay/storage/db';
import { SecretBox } from '../relay/storage/secret-box';
import { MailSettingsInput } from '../shared/mail-settings';
import { startSmtpServer } from '../test/fixtures/smtp-server';
import { testPki } from '../test/fixtures/tls';
import { median, report } from './lib';

const USER = 'alerts@example.com';
const TOKEN = 'bench-access-token';
const SCOPE = 'https://mail.example.test/smtp';
const MESSAGES = 300;
const CONCURRENCY = 10;
const RUNS = 3;

const message = (i: number) => ({ from: USER, to: 'it@example.com', subject: `bench ${i}`, text: 'x'.repeat(2000) });

/** Sends MESSAGES with CONCURRENCY in flight and answers messages per second. */
async function rate(send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < MESSAGES) await send(next++);
  }));
  return MESSAGES / ((performance.now() - started) / 1000);
}

/**
 * Messages per second over STARTTLS with XOAUTH2 to one sink: the relay's own pooled path, bare nodemailer with the
 * same pool, and a new connection per message as Alertmanager sends.
 */
export async function benchDelivery(): Promise<void> {
  const sink = await startSmtpServer({ tls: 'starttls', xoauth2: { introspect: (t) => (t === TOKEN ? { user: USER, scope: SCOPE } : null), requiredScope: SCOPE } });
  const tls = { ca: testPki().caCert };

  const db = openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-bench-')));
  const deps = composeRelay({ db, box: new SecretBox(randomBytes(32)), accessTokens: AccessTokens.of({ admin: 'a'.repeat(40), enrollment: 'e'.repeat(40) }), logger: createLogger('silent'), extensionOrigins: [], oauthRedirectUrls: [] });
  deps.mailSettings.save(v.parse(MailSettingsInput, {
    authType: 'oauth', host: '127.0.0.1', port: sink.port, emailType: 'smtp', tls: true, caCertificate: tls.ca, senderAddress: USER,
    clientId: 'bench', authorizationUrl: 'https://login.example.com/a', tokenUrl: 'https://login.example.com/t', scope: SCOPE,
  }));
  deps.oauth.connect({ account: USER, scope: SCOPE, refreshToken: 'unused', accessToken: TOKEN, accessExpiresAt: Date.now() + 3_600_000, now: Date.now() });

  const relayRates: number[] = [];
  const pooledRates: number[] = [];
  const perConnectionRates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    relayRates.push(await rate((i) => deps.sender.sendPooled(message(i))));
    deps.sender.close();

    const pool = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, requireTLS: true, tls, pool: true, maxConnections: 5, maxMessages: 1000, auth: { type: 'OAuth2', user: USER, accessToken: TOKEN } });
    pooledRates.push(await rate((i) => pool.sendMail(message(i))));
    pool.close();

    perConnectionRates.push(await rate((i) => {
      const single = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, requireTLS: true, tls, auth: { type: 'OAuth2', user: USER, accessToken: TOKEN } });
      return single.sendMail(message(i)).finally(() => single.close());
    }));
  }
  const ours = median(relayRates);
  report('delivery, STARTTLS + XOAUTH2, pooled', ours, 'msg/s', median(pooledRates), 'bare nodemailer pool', '≥ 0.8');
  report('delivery vs a connection per message', ours, 'msg/s', median(perConnectionRates), 'new connection per message', '≥ 4');

  // Postfix's smtp-source speaks raw SMTP without TLS or auth: the protocol's ceiling here, for context only.
  if (existsSync('/usr/sbin/smtp-source')) {
    const plain = await startSmtpServer({ tls: 'plain' });
    const started = performance.now();
    // Asynchronously: the sink runs in this process and must keep answering while smtp-source sends.
    await promisify(execFile)('/usr/sbin/smtp-source', ['-d', '-s', String(CONCURRENCY), '-m', String(MESSAGES), '-l', '2000', '-f', USER, '-t', 'it@example.com', `127.0.0.1:${plain.port}`]);
    const ceiling = MESSAGES / ((performance.now() - started) / 1000);
    await plain.close();
    report('delivery vs raw SMTP (context only)', ours, 'msg/s', ceiling, "Postfix's smtp-source, no TLS", 'context');
  } else {
    process.stdout.write(`${'delivery vs raw SMTP (context only)'.padEnd(40)} smtp-source not installed (apt-get install postfix)\n`);
  }
  db.close();
  await sink.close();
}
