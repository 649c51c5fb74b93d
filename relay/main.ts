/**
 * The composition root: reads the options, opens the store, builds every dependency and serves.
 * Nothing else in the relay reads the environment or opens files and sockets on its own.
 */
import { serve } from '@hono/node-server';
import { existsSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createApp } from './app';
import { composeRelay } from './compose';
import { parseConfig, type RelayConfig } from './config';
import { createLogger } from './log';
import { AccessTokens } from './storage/access-tokens';
import { openDatabase } from './storage/db';
import { loadOrCreateKeyFile, SecretBox } from './storage/secret-box';

const EXTENSION_BUILD_DIR = resolve(import.meta.dirname, '../extension/.output/chrome-mv3');

function main(): void {
  const parsed = parseConfig(process.argv.slice(2), process.env);
  if (parsed.ok === 'help') {
    process.stdout.write(parsed.text);
    return;
  }
  if (!parsed.ok) {
    process.stderr.write(`guardmail-relay: cannot start, ${parsed.errors.length} bad option(s):\n${parsed.errors.map((e) => `  - ${e}\n`).join('')}Run with --help for every option.\n`);
    process.exit(2);
  }
  const config = parsed.config;
  const logger = createLogger(config.logLevel);

  let db;
  let box;
  try {
    db = openDatabase(config.dataDir);
    box = new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir));
  } catch (err) {
    process.stderr.write(`guardmail-relay: cannot open the data directory ${resolve(config.dataDir)}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { tokens: accessTokens, generated } = AccessTokens.init(db, { admin: config.adminToken, enrollment: config.enrollmentToken });
  const deps = composeRelay({ db, box, accessTokens, logger, extensionOrigins: config.extensionOrigins, oauthRedirectUrls: config.oauthRedirectUrls });
  const app = createApp(deps);
  // An idle account is refreshed weekly, so inactivity never expires its grant (Microsoft: 90 days unused).
  const keepAlive = setInterval(() => void deps.tokenManager.keepAlive(), 6 * 60 * 60_000);
  keepAlive.unref();
  void deps.tokenManager.keepAlive();
  const recovered = deps.outbox.recoverInterrupted(Date.now());
  if (recovered > 0) logger.warn({ alerts: recovered }, 'alerts interrupted by the last stop are due again');
  deps.worker.start();

  const server = serve(
    {
      fetch: app.fetch,
      hostname: config.host,
      port: config.port,
      ...(config.tls ? { createServer: createHttpsServer, serverOptions: { cert: config.tls.cert, key: config.tls.key } } : {}),
    },
    (info) => {
      process.stdout.write(banner(config, info, generated));
      logger.info({ host: info.address, port: info.port, tls: Boolean(config.tls) }, 'listening');
    },
  );
  server.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`guardmail-relay: cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}\n`);
    process.exit(1);
  });

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    server.close(() => {
      void deps.worker.stop().then(() => {
        deps.sender.close();
        db.close();
        process.exit(0);
      });
    });
    // Keep-alive connections would hold close() open; in-flight requests get a bounded grace period.
    setTimeout(() => {
      db.close();
      process.exit(0);
    }, 5_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** What an operator needs after starting: where the relay is, the tokens (only when just generated), and the extension. */
function banner(config: RelayConfig, info: AddressInfo, generated: { admin?: string; enrollment?: string }): string {
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const url = config.publicUrl || `${config.tls ? 'https' : 'http'}://${host}:${info.port}`;
  const lines = [``, `Guardmail relay is running at ${url}`, `  data: ${resolve(config.dataDir)}`];
  if (generated.admin || generated.enrollment) {
    lines.push(``, `First start: these tokens are shown once and stored only as hashes. Keep them now.`);
    if (generated.admin) lines.push(`  admin token:      ${generated.admin}`);
    if (generated.enrollment) lines.push(`  enrollment token: ${generated.enrollment}`);
  }
  lines.push(
    ``,
    existsSync(EXTENSION_BUILD_DIR)
      ? `Extension: load ${EXTENSION_BUILD_DIR} in chrome://extensions (Developer mode → Load unpacked).`
      : `Extension: not built yet; run "npm run build", then load extension/.output/chrome-mv3 in chrome://extensions.`,
    `Next: open the extension's popup, enter ${url} and the admin token, and configure the mail server.`,
    ``,
  );
  return lines.join('\n');
}

main();
