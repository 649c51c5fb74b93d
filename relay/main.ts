/**
 * The composition root: reads the options, opens the store, builds every dependency and serves (or runs a relay
 * command). Nothing else in the relay reads the environment or opens files and sockets on its own.
 */
import { serve } from '@hono/node-server';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createApp } from './app';
import { composeRelay, keepEnrollmentToken } from './compose';
import { limitConnections, serverTimeouts } from './http/connections';
import { DEFAULT_SMTP_TIMEOUTS } from './delivery/smtp-options';
import { COMMANDS } from './commands/index';
import { parseConfig, type RelayConfig } from './config';
import type { DemoMailbox } from './demo/mailbox';
import type { FleetExtension, PackedExtension } from './extension/fleet-extension';
import { FIREFOX_INSTALL_PATH } from './extension/addresses';
import { fleetExtension } from './extension/setup';
import { createLogger, type Logger } from './log';
import { AccessTokens } from './storage/access-tokens';
import { ensureDataDir } from './storage/sqlite/db';
import { claimDataDir } from './storage/pid-file';
import { startRelay } from './lifecycle';
import { loadKeyring, type SecretBox } from './storage/secret-box';
import { openSqliteStores } from './storage/sqlite/index';
import type { Stores } from './storage/stores';

/** The build beside the relay: dist/relay.mjs and relay/main.ts are both one folder below the project. */
const EXTENSION_BUILD_DIRS = {
  chromium: resolve(import.meta.dirname, '../extension/.output/chrome-mv3'),
  firefox: resolve(import.meta.dirname, '../extension/.output/firefox-mv3'),
};
/** SIGTERM waits this long for the send in flight; then the process exits anyway and the batch goes again at start. */
const SHUTDOWN_GRACE_MS = 10_000;

const fail = (message: string, code = 1): never => {
  process.stderr.write(`guardmail-relay: ${message}\n`);
  process.exit(code);
};

async function main(): Promise<void> {
  const parsed = parseConfig(process.argv.slice(2), process.env, COMMANDS);
  if (parsed.ok === 'help') return void process.stdout.write(parsed.text);
  if (!parsed.ok) {
    return fail(`cannot start, ${parsed.errors.length} bad option(s):\n${parsed.errors.map((e) => `  - ${e}\n`).join('')}Run with --help for every option.`, 2);
  }
  const config = parsed.config;
  const command = COMMANDS.find((c) => c.name === config.command.name);
  if (command) {
    try {
      const { out, note } = await command.run(config);
      if (note) process.stderr.write(note);
      return void process.stdout.write(out);
    } catch (err) {
      return fail(`${command.name} failed: ${(err as Error).message}`);
    }
  }
  await run(config);
}

async function run(config: RelayConfig): Promise<void> {
  // Everything the relay writes (store, key, tokens file, backups) is its owner's alone.
  process.umask(0o077);
  const logger = createLogger(config.logLevel);
  let box;
  let release: () => void;
  let extension: FleetExtension;
  try {
    // The data directory holds the SQLite store, or beside PostgreSQL this relay's key file and extension key.
    ensureDataDir(config.dataDir);
    box = loadKeyring(config.dataDir, config).box;
    release = claimDataDir(config.dataDir);
  } catch (err) {
    return fail(`cannot open the data directory ${resolve(config.dataDir)}: ${(err as Error).message}`);
  }
  let stores: Stores;
  try {
    stores = await openStores(config, box, logger);
  } catch (err) {
    release();
    return fail((err as Error).message);
  }
  try {
    extension = fleetExtension(config, EXTENSION_BUILD_DIRS, logger);
  } catch (err) {
    return fail(`cannot start: ${(err as Error).message}`);
  }
  // Signed before serving, so the banner names the version and the unpacked copy admins load is there.
  const packed = await extension.current().catch((err: Error) => {
    logger.error({ error: err.message }, 'the extension could not be signed; browsers cannot install it from this relay');
    return null;
  });
  const { tokens: accessTokens, generated } = await AccessTokens.init(stores.tokenRows, { admin: config.adminToken, enrollment: config.enrollmentToken });
  const tokensFile = generated.admin || generated.enrollment ? writeFirstStartTokens(config.dataDir, generated) : null;
  const enrollmentToken = config.enrollmentToken ?? generated.enrollment;
  if (enrollmentToken) await keepEnrollmentToken(stores, enrollmentToken);
  const deps = composeRelay({
    stores: stores,
    accessTokens,
    logger,
    extensionOrigins: config.extensionOrigins,
    oauthRedirectUrls: config.oauthRedirectUrls,
    allowedHosts: config.allowedHosts,
    extension,
    publicUrl: config.publicUrl,
    behindProxy: config.behindTlsProxy,
    storeBudget: { bytes: config.storeBudgetBytes, dataDir: config.dataDir },
    smtpTimeouts: { ...DEFAULT_SMTP_TIMEOUTS, connectionMs: config.smtpConnectMs, greetingMs: config.smtpConnectMs },
    deviceAdmission: { burst: Math.ceil(config.newDevicesPerHour / 50), perHour: config.newDevicesPerHour },
    retention: config.retention,
    delivery: config.delivery,
    feeds: config.feeds,
    worker: { leaseMs: config.deliveryLeaseMs },
  });
  const app = createApp(deps);
  let mailbox: DemoMailbox | null = null;
  if (config.demo) {
    mailbox = await (await import('./demo/mailbox')).startDemoMailbox();
    app.route('/', (await import('./routes/demo')).demoRoutes(mailbox));
  }

  const running = await startRelay(deps);

  const server = serve(
    {
      fetch: app.fetch,
      hostname: config.host,
      port: config.port,
      serverOptions: { ...serverTimeouts(config.connections.headerTimeoutMs), ...(config.tls ? { cert: config.tls.cert, key: config.tls.key } : {}) },
      ...(config.tls ? { createServer: createHttpsServer } : {}),
    },
    (info) => {
      process.stdout.write(banner(config, info, tokensFile ? { ...generated, file: tokensFile } : null, mailbox, extension, packed));
      logger.info({ host: info.address, port: info.port, tls: Boolean(config.tls), demo: config.demo }, 'listening');
      deps.metrics.startRuntime();
      if (mailbox) void import('./demo/setup').then(({ prepareDemo }) => prepareDemo(deps, mailbox!));
    },
  );
  server.on('error', (err: NodeJS.ErrnoException) => fail(`cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`));
  limitConnections(server as import('node:http').Server, { ...config.connections, behindProxy: config.behindTlsProxy, logger, metrics: deps.metrics });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new requests, finishing the send in flight');
    const force = setTimeout(() => {
      logger.warn('stopped before the send in flight finished; its batch goes again at the next start');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close();
    (server as import('node:http').Server).closeIdleConnections?.();
    void running
      .stop()
      .then(() => mailbox?.close())
      .catch((err: unknown) => logger.error({ err }, 'the store could not be closed cleanly'))
      .finally(async () => {
        await stores.close().catch(() => undefined);
        release();
        logger.info('stopped cleanly');
        process.exit(0);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The store the options name: SQLite in the data directory, or the PostgreSQL database several relays share. Throws
 * what is wrong and how to fix it; a store sealed with another key than this relay's is refused here, not at a send.
 */
async function openStores(config: RelayConfig, box: SecretBox, logger: Logger): Promise<Stores> {
  if (config.database) {
    const { openPostgresStores } = await import('./storage/postgres/index');
    return openPostgresStores({ url: config.database.url, ca: config.database.ca, box, logger }).catch((err: Error) => {
      throw new Error(`cannot use the database: ${err.message}`, { cause: err });
    });
  }
  return openSqliteStores(config.dataDir, box, logger);
}

/** The tokens generated at first start, in a file only the relay's user can read: stdout may be a log collector's. */
function writeFirstStartTokens(dataDir: string, generated: { admin?: string; enrollment?: string }): string {
  const file = resolve(dataDir, 'first-start-tokens.txt');
  const lines = [
    '# Guardmail relay: tokens generated at first start. They are stored only as hashes: keep them, then delete this file.',
    ...(generated.admin ? [`admin token:      ${generated.admin}`] : []),
    ...(generated.enrollment ? [`enrollment token: ${generated.enrollment}`] : []),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * What an operator needs after starting: where the relay is, where the tokens are (only when just generated: shown
 * too when stdout is a terminal, never into a log stream), and the extension.
 */
function banner(
  config: RelayConfig,
  info: AddressInfo,
  generated: { admin?: string; enrollment?: string; file: string } | null,
  mailbox: DemoMailbox | null,
  extension: FleetExtension,
  packed: PackedExtension | null,
): string {
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const listening = `${config.tls ? 'https' : 'http'}://${host}:${info.port}`;
  // 0.0.0.0 and :: are where the relay listens, never an address a browser can use: only the public URL says one.
  const everywhere = info.address === '0.0.0.0' || info.address === '::';
  const url = config.publicUrl || (everywhere ? '<public URL>' : listening);
  const lines = [
    ``,
    ...(config.publicUrl || !everywhere
      ? [`Guardmail relay is running at ${url}`, ...(config.publicUrl ? [`  listening on ${listening}`] : [])]
      : [
          `Guardmail relay is listening on every address of this machine, port ${info.port} (${config.tls ? 'https' : 'http'})`,
          `  set --public-url (GUARDMAIL_PUBLIC_URL) to the https:// address browsers reach it by, e.g. https://guardmail.example.com:${info.port}`,
        ]),
    `  data: ${config.database ? `PostgreSQL at ${databaseHost(config.database.url)}, keys in ${resolve(config.dataDir)}` : resolve(config.dataDir)}`,
  ];
  if (generated) {
    lines.push(
      ``,
      `First start: the admin and enrollment tokens are in ${generated.file} (readable only by you).`,
      `They are stored only as hashes: keep them, then delete that file.`,
    );
    if (process.stdout.isTTY) {
      if (generated.admin) lines.push(`  admin token:      ${generated.admin}`);
      if (generated.enrollment) lines.push(`  enrollment token: ${generated.enrollment}`);
    }
  }
  if (mailbox) {
    lines.push(``, `Demo: mail goes to a built-in mailbox (SMTP on 127.0.0.1:${mailbox.port}); a sample alert is on its way.`, `  open ${url}/demo/mailbox`);
  }
  const { id, redirectUrl } = extension.identity;
  lines.push(
    ``,
    `Extension ${id} (signed with ${extension.identity.keyFile}; back it up: a new key is a new ID)`,
    `  OAuth redirect URL to register: ${redirectUrl}`,
    ...(packed
      ? [
          `  your browser: load ${packed.unpackedDir} in chrome://extensions (Developer mode → Load unpacked)`,
          `  managed browsers: ${url}/extension/updates.xml serves version ${packed.version}; "npm run relay -- policy linux|windows|macos" writes their policy`,
        ]
      : [`  not built yet: run "npm run build", then restart the relay.`]),
    ``,
    `Firefox add-on ${extension.identity.firefox.id}`,
    `  OAuth redirect URL to register: ${extension.identity.firefox.redirectUrl}`,
    `  managed Firefox: ${url}${FIREFOX_INSTALL_PATH} (unsigned: Firefox ESR with xpinstall.signatures.required off, or give --firefox-signed-xpi); "npm run relay -- policy linux|windows|macos firefox" writes its policy`,
    ``,
    `Next: open the extension's popup, enter ${url} and the admin token, and configure the mail server.`,
    ``,
  );
  return lines.join('\n');
}

/** Where the database is, without its user name or password. */
function databaseHost(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

void main();
