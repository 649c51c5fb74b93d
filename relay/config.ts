import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../shared/mail-settings';
import { EXTENSION_ORIGIN } from '../shared/extension';
import type { Retention } from './domain/retention';
import type { DeliveryTimes } from './domain/retry';
import { DEFAULT_FEED_OPTIONS, type FeedOptions } from './feeds/refresh';
import { DATA_SOURCES, DEFAULT_FEED_URLS, type DataSource } from './feeds/sources';
import { LOG_LEVELS, type LogLevel } from './log';
import { postgresConnection } from './storage/postgres/url';

/** One option: its flag and environment variable, its default, what it is for, and how its text is read. */
interface OptionSpec<T> {
  flag: string;
  env: string;
  default: string;
  description: string;
  /** The option's value from its text; throws OptionError saying what is wrong, without the option's name. */
  parse: (text: string) => T;
}

class OptionError extends Error {}
const fail = (message: string): never => {
  throw new OptionError(message);
};

const text = (t: string): string => t;
const list = (t: string): string[] =>
  t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const bool = (t: string): boolean => (['true', 'false', '1', '0'].includes(t) ? t === 'true' || t === '1' : fail(`"${t}" must be true or false.`));

/** A whole number from min to max, multiplied by `times` (a unit in ms or bytes; 1 for a plain count). */
const count =
  (min: number, max: number, times = 1) =>
  (t: string): number =>
    Number.isInteger(Number(t)) && t.trim() !== '' && Number(t) >= min && Number(t) <= max
      ? Number(t) * times
      : fail(`"${t}" must be a whole number from ${min} to ${max}.`);

const UNIT_MS = { seconds: 1000, minutes: 60_000, days: 86_400_000 } as const;
/** A whole number of `unit` from 1 to max, in milliseconds. */
const duration =
  (max: number, unit: keyof typeof UNIT_MS) =>
  (t: string): number =>
    Number.isInteger(Number(t)) && t.trim() !== '' && Number(t) >= 1 && Number(t) <= max
      ? Number(t) * UNIT_MS[unit]
      : fail(`"${t}" must be a whole number of ${unit} from 1 to ${max}.`);

/** `ms` when it is at least `min`. */
const atLeast = (min: number, ms: number, why: string): number => (ms >= min ? ms : fail(why));

/** A PEM file's contents, read at start-up; undefined when no file is named. */
const pem =
  (kind: string) =>
  (path: string): string | undefined => {
    if (!path) return undefined;
    let contents: string;
    try {
      contents = readFileSync(path, 'utf8');
    } catch (err) {
      return fail(`cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    return new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(contents) ? contents : fail(`"${path}" is not a PEM ${kind.toLowerCase()}.`);
  };

const MIN_TOKEN_LENGTH = 32;
/** About what `openssl rand -hex 16` gives by the estimate below; a token typed by hand, or 32 × "a", gives far less. */
const MIN_TOKEN_BITS = 100;

/** Shannon's estimate of a string's information, from how often each of its own characters occurs. */
function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= n * Math.log2(n / token.length);
  return bits;
}

/** A bearer token given by the operator, or null for one the relay generates. */
function token(t: string): string | null {
  if (t === '') return null;
  if (t.length < MIN_TOKEN_LENGTH || /\s/.test(t))
    return fail(`must be at least ${MIN_TOKEN_LENGTH} characters without spaces (try: openssl rand -base64 32).`);
  if (estimatedBits(t) < MIN_TOKEN_BITS)
    return fail(`does not look random (about ${Math.round(estimatedBits(t))} bits); generate one with: openssl rand -base64 32.`);
  return t;
}

/** A 32-byte key in base64, or null. */
function key(t: string): Buffer | null {
  if (!t) return null;
  const bytes = Buffer.from(t, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === t.trim() ? bytes : fail('must be the base64 of exactly 32 bytes (try: openssl rand -base64 32).');
}

/** Mirrors of the vendors' feeds, `source=url` pairs, over the default URLs. */
function feedUrls(t: string): Record<DataSource, string> {
  const urls = { ...DEFAULT_FEED_URLS };
  for (const pair of list(t)) {
    const [source, url = ''] = pair.split(/=(.*)/s);
    if (!DATA_SOURCES.includes(source as DataSource) || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      fail(`"${pair}" must be chrome=, edge=, firefox=, kev= or nvd= followed by an http(s) URL.`);
    }
    urls[source as DataSource] = url;
  }
  return urls;
}

/**
 * Every relay option, each as a flag and an environment variable. This table is the one place where an option, its
 * default and how it is read are written; `--help` prints it and a test checks that docs/operating.md lists it.
 */
export const OPTIONS = {
  host: {
    flag: '--host',
    env: 'GUARDMAIL_HOST',
    default: '127.0.0.1',
    description: 'Address to listen on. Loopback by default; any other address needs --tls-cert/--tls-key or --behind-tls-proxy.',
    parse: (t) => (isIP(t) || t === 'localhost' ? t : fail(`"${t}" is not an IP address; use e.g. 127.0.0.1, 0.0.0.0 or ::.`)),
  },
  port: {
    flag: '--port',
    env: 'GUARDMAIL_PORT',
    default: '8787',
    description: 'TCP port to listen on (0 picks a free one).',
    parse: (t) => (/^\d+$/.test(t) && Number(t) <= 65535 ? Number(t) : fail(`"${t}" is not a port number (0-65535).`)),
  },
  dataDir: {
    flag: '--data-dir',
    env: 'GUARDMAIL_DATA_DIR',
    default: './data',
    description: 'Directory for the SQLite store and the key file; created if missing.',
    parse: (t) => (t.trim() === '' ? fail('must not be empty.') : t),
  },
  databaseUrl: {
    flag: '--database-url',
    env: 'GUARDMAIL_DATABASE_URL',
    default: '',
    description:
      'postgres://user:password@host:5432/guardmail?sslmode=verify-full: store everything in PostgreSQL, shared by every relay given the same URL, instead of SQLite in the data directory. Plain connections only to loopback.',
    parse: text,
  },
  databaseCa: {
    flag: '--database-ca',
    env: 'GUARDMAIL_DATABASE_CA',
    default: '',
    description: "PEM file of the CA that signed the database server's certificate, when it is not one the system trusts.",
    parse: pem('CERTIFICATE'),
  },
  tlsCert: {
    flag: '--tls-cert',
    env: 'GUARDMAIL_TLS_CERT',
    default: '',
    description: 'PEM certificate chain file: the relay then serves HTTPS.',
    parse: pem('CERTIFICATE'),
  },
  tlsKey: {
    flag: '--tls-key',
    env: 'GUARDMAIL_TLS_KEY',
    default: '',
    description: 'PEM private key file for --tls-cert.',
    parse: pem('PRIVATE KEY'),
  },
  behindTlsProxy: {
    flag: '--behind-tls-proxy',
    env: 'GUARDMAIL_BEHIND_TLS_PROXY',
    default: 'false',
    description: 'Set to true when a TLS-terminating reverse proxy is the only way in; allows plain HTTP on a non-loopback address.',
    parse: bool,
  },
  allowedHosts: {
    flag: '--allowed-hosts',
    env: 'GUARDMAIL_ALLOWED_HOSTS',
    default: '',
    description:
      "Comma-separated host names clients may reach the relay by, beside loopback, --host and --public-url's; others get 421 (a guard against DNS rebinding).",
    parse: (t) => list(t).map((h) => h.toLowerCase()),
  },
  newDevicesPerHour: {
    flag: '--new-devices-per-hour',
    env: 'GUARDMAIL_NEW_DEVICES_PER_HOUR',
    default: '100000',
    description:
      'Devices never seen before that the relay admits per hour (a fiftieth of them at once); beyond it their reports get 429 and wait in the browser.',
    parse: (t) => (Number.isInteger(Number(t)) && Number(t) >= 1 ? Number(t) : fail(`"${t}" must be a whole number of at least 1.`)),
  },
  maxConnections: {
    flag: '--max-connections',
    env: 'GUARDMAIL_MAX_CONNECTIONS',
    default: '4096',
    description: 'Open connections the relay holds at most; more are closed at once. Each costs a file descriptor and some memory, whatever its client sends.',
    parse: count(16, 1_000_000),
  },
  maxConnectionsPerClient: {
    flag: '--max-connections-per-client',
    env: 'GUARDMAIL_MAX_CONNECTIONS_PER_CLIENT',
    default: '128',
    description: "Open connections one address holds at most (not applied behind --behind-tls-proxy, where every connection is the proxy's: limit there).",
    parse: count(1, 1_000_000),
  },
  headerTimeoutSeconds: {
    flag: '--header-timeout-seconds',
    env: 'GUARDMAIL_HEADER_TIMEOUT_SECONDS',
    default: '10',
    description:
      "How long a client may take to send a request's headers; a request's body gets 30 seconds more. A connection holding a half-sent request is closed then.",
    parse: count(1, 600, 1000),
  },
  smtpConnectSeconds: {
    flag: '--smtp-connect-seconds',
    env: 'GUARDMAIL_SMTP_CONNECT_SECONDS',
    default: '10',
    description:
      'How long the relay waits for a mail server to accept a connection, and then again for its greeting. A server that is not reached is answered after both, whatever went wrong.',
    parse: count(1, 300, 1000),
  },
  storeBudgetMb: {
    flag: '--store-budget-mb',
    env: 'GUARDMAIL_STORE_BUDGET_MB',
    default: '4096',
    description:
      'Size the store may grow to, in MB: past it (or with less than a tenth of it free on the data volume) new devices are refused with 507 STORE_BUDGET_REACHED while known ones keep reporting; /readyz warns from 90 %.',
    parse: count(1, 16_777_216, 1024 * 1024),
  },
  deviceStaleDays: {
    flag: '--device-stale-days',
    env: 'GUARDMAIL_DEVICE_STALE_DAYS',
    default: '7',
    description: 'A device with no report for this many days is shown as "stopped reporting".',
    parse: duration(36_500, 'days'),
  },
  devicePruneDays: {
    flag: '--device-prune-days',
    env: 'GUARDMAIL_DEVICE_PRUNE_DAYS',
    default: '90',
    description: 'A device with no report for this many days is forgotten (checked hourly).',
    parse: duration(36_500, 'days'),
  },
  alertRetentionDays: {
    flag: '--alert-retention-days',
    env: 'GUARDMAIL_ALERT_RETENTION_DAYS',
    default: '365',
    description: 'Sent alerts older than this many days are forgotten; waiting and failed ones are kept.',
    parse: duration(36_500, 'days'),
  },
  auditRetentionDays: {
    flag: '--audit-retention-days',
    env: 'GUARDMAIL_AUDIT_RETENTION_DAYS',
    default: '365',
    description: 'Audit log entries older than this many days are forgotten.',
    parse: duration(36_500, 'days'),
  },
  queueLifetimeDays: {
    flag: '--queue-lifetime-days',
    env: 'GUARDMAIL_QUEUE_LIFETIME_DAYS',
    default: '5',
    description: 'An alert not delivered after this many days (the mail server down, a password to fix) fails with its last error; an admin sends it again.',
    parse: duration(365, 'days'),
  },
  deliveryDelayedMinutes: {
    flag: '--delivery-delayed-minutes',
    env: 'GUARDMAIL_DELIVERY_DELAYED_MINUTES',
    default: '15',
    description: 'An alert due this many minutes and not delivered makes /readyz, the status and the popup say "delivery delayed" with the error.',
    parse: duration(1440, 'minutes'),
  },
  deliveryLeaseSeconds: {
    flag: '--delivery-lease-seconds',
    env: 'GUARDMAIL_DELIVERY_LEASE_SECONDS',
    default: '120',
    description:
      "How long a relay's claim on a batch of alerts lasts: a relay killed mid-send leaves its batch to another (or to itself, restarted) after this long, under the same Message-ID. Longer than a send can take.",
    parse: (t) => atLeast(10_000, duration(3600, 'seconds')(t), 'must be at least 10 seconds, longer than a send can take.'),
  },
  releaseRefreshHours: {
    flag: '--release-refresh-hours',
    env: 'GUARDMAIL_RELEASE_REFRESH_HOURS',
    default: '24',
    description: "How often the vendors' release data (Chrome, Edge, Firefox) is fetched; 0 never fetches it (air-gapped: use import-feeds).",
    parse: (t) => (/^\d+$/.test(t) && Number(t) <= 720 ? Number(t) * 3_600_000 : fail(`"${t}" must be a whole number of hours from 0 (never) to 720.`)),
  },
  releaseMaxAgeDays: {
    flag: '--release-max-age-days',
    env: 'GUARDMAIL_RELEASE_MAX_AGE_DAYS',
    default: '7',
    description: 'Release data older than this is reported as stale in /readyz and the popup; it is still used.',
    parse: duration(365, 'days'),
  },
  releaseFeedUrls: {
    flag: '--release-feed-urls',
    env: 'GUARDMAIL_RELEASE_FEED_URLS',
    default: '',
    description: "Mirrors of the vendors' feeds, e.g. chrome=https://mirror.example.com/chrome,edge=…,firefox=…,kev=…,nvd=…; their own hosts otherwise.",
    parse: feedUrls,
  },
  publicUrl: {
    flag: '--public-url',
    env: 'GUARDMAIL_PUBLIC_URL',
    default: '',
    description: 'The https:// URL admins and browsers use (behind a reverse proxy); printed at startup.',
    parse: (t) => (t === '' || (URL.canParse(t) && new URL(t).protocol === 'https:') ? t : fail(`"${t}" must be an https:// URL.`)),
  },
  adminToken: {
    flag: '',
    env: 'GUARDMAIL_ADMIN_TOKEN',
    default: '',
    description: 'Admin bearer token (at least 32 characters). Generated and printed once on first start when unset.',
    parse: token,
  },
  enrollmentToken: {
    flag: '',
    env: 'GUARDMAIL_ENROLLMENT_TOKEN',
    default: '',
    description: 'Token managed browsers report with (at least 32 characters). Generated and printed once on first start when unset.',
    parse: token,
  },
  secretKey: {
    flag: '',
    env: 'GUARDMAIL_SECRET_KEY',
    default: '',
    description: 'Base64 of 32 random bytes (openssl rand -base64 32) encrypting secrets at rest. Unset: a 0600 key file secret.key in the data directory.',
    parse: key,
  },
  extensionOrigins: {
    flag: '--extension-origins',
    env: 'GUARDMAIL_EXTENSION_ORIGINS',
    default: EXTENSION_ORIGIN,
    description:
      "Comma-separated origins allowed by CORS besides the relay's own signed extension (chrome-extension://<id>, moz-extension://<uuid>); the development build's by default.",
    parse: (t) =>
      list(t).map((origin) =>
        /^(chrome|moz|ms-browser|safari-web)-extension:\/\/[a-z0-9-]+$/i.test(origin) || /^https?:\/\/[^/]+$/.test(origin)
          ? origin
          : fail(`"${origin}" is not an origin such as chrome-extension://<extension id>.`),
      ),
  },
  extensionKeyFile: {
    flag: '--extension-key-file',
    env: 'GUARDMAIL_EXTENSION_KEY_FILE',
    default: '',
    description:
      "The RSA key (PEM) that signs the fleet's extension and fixes its ID. Unset: extension-signing-key.pem in the data directory, made 0600 on first start.",
    parse: text,
  },
  extensionBuildDir: {
    flag: '--extension-build-dir',
    env: 'GUARDMAIL_EXTENSION_BUILD_DIR',
    default: '',
    description: 'The extension build the relay signs and serves to managed browsers. Unset: extension/.output/chrome-mv3 beside the relay.',
    parse: text,
  },
  firefoxBuildDir: {
    flag: '--firefox-build-dir',
    env: 'GUARDMAIL_FIREFOX_BUILD_DIR',
    default: '',
    description: "The extension's Firefox build the relay packs and serves to managed Firefox. Unset: extension/.output/firefox-mv3 beside the relay.",
    parse: text,
  },
  firefoxSignedXpi: {
    flag: '--firefox-signed-xpi',
    env: 'GUARDMAIL_FIREFOX_SIGNED_XPI',
    default: '',
    description:
      "The Mozilla-signed XPI of the relay's Firefox add-on (web-ext sign --channel unlisted), served instead of the unsigned one while its version is the build's. Release Firefox installs only signed add-ons.",
    parse: text,
  },
  oauthRedirectUrls: {
    flag: '--oauth-redirect-urls',
    env: 'GUARDMAIL_OAUTH_REDIRECT_URLS',
    default: '',
    description: "Comma-separated OAuth redirect URLs accepted besides https://<id>.chromiumapp.org/ of the allowed extensions (e.g. Firefox's) and loopback.",
    parse: (t) =>
      list(t).map((url) => (URL.canParse(url) && ['https:', 'http:'].includes(new URL(url).protocol) ? url : fail(`"${url}" is not an http(s) URL.`))),
  },
  previousSecretKey: {
    flag: '',
    env: 'GUARDMAIL_PREVIOUS_SECRET_KEY',
    default: '',
    description: 'After rotate-key with GUARDMAIL_SECRET_KEY: the old key, so secrets sealed with it stay readable until re-sealed.',
    parse: key,
  },
  newSecretKey: {
    flag: '',
    env: 'GUARDMAIL_NEW_SECRET_KEY',
    default: '',
    description: 'For rotate-key when the key comes from GUARDMAIL_SECRET_KEY: the key to re-seal every secret with.',
    parse: key,
  },
  demo: {
    flag: '--demo',
    env: 'GUARDMAIL_DEMO',
    default: 'false',
    description: 'Start with a built-in development mailbox on loopback, preconfigured, and a sample alert (see the README).',
    parse: bool,
  },
  logLevel: {
    flag: '--log-level',
    env: 'GUARDMAIL_LOG_LEVEL',
    default: 'info',
    description: 'One of fatal, error, warn, info, debug, silent.',
    parse: (t) => ((LOG_LEVELS as readonly string[]).includes(t) ? (t as LogLevel) : fail(`"${t}" must be one of ${LOG_LEVELS.join(', ')}.`)),
  },
} satisfies Record<string, OptionSpec<unknown>>;

type OptionName = keyof typeof OPTIONS;
type OptionValues = { [K in OptionName]: ReturnType<(typeof OPTIONS)[K]['parse']> };

/** The command asked for, and its arguments; `serve` runs the relay. */
export interface Command {
  name: string;
  args: string[];
}

/** What parsing needs to know of a command (commands/index.ts lists them, with what each runs). */
export interface CommandSpec {
  name: string;
  /** How it is called, for --help: `backup <file>`. */
  usage: string;
  summary: string;
  /** Null when its arguments will do, else what is wrong with them. */
  checkArgs(args: string[]): string | null;
  /** The one store it works on, and why. */
  store?: { only: 'sqlite' | 'postgres'; why: string };
}

export interface RelayConfig {
  command: Command;
  demo: boolean;
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL, shared by several relays; null for SQLite in the data directory. */
  database: { url: string; ca: string | undefined } | null;
  /** PEM cert and key contents when the relay serves HTTPS itself. */
  tls: { cert: string; key: string } | null;
  behindTlsProxy: boolean;
  /** Bounds on connections, whatever their clients send (http/connections.ts). */
  connections: { max: number; perClient: number; headerTimeoutMs: number };
  /** Bytes the store may grow to before new devices are refused (domain/store-budget.ts). */
  storeBudgetBytes: number;
  /** How long a mail server gets to accept a connection, and then to greet. */
  smtpConnectMs: number;
  publicUrl: string;
  /** The Host names the relay answers; null for any (bound to every address, with no public URL nor list). */
  allowedHosts: string[] | null;
  newDevicesPerHour: number;
  retention: Retention;
  delivery: DeliveryTimes;
  /** How long a claimed batch is the claiming relay's. */
  deliveryLeaseMs: number;
  feeds: FeedOptions;
  adminToken: string | null;
  enrollmentToken: string | null;
  /** 32 bytes, or null for the key file in the data directory. */
  secretKey: Buffer | null;
  previousSecretKey: Buffer | null;
  newSecretKey: Buffer | null;
  extensionOrigins: string[];
  /** The extension signing key's file; '' for the data directory's. */
  extensionKeyFile: string;
  /** The extension build to sign; '' for the one beside the relay. */
  extensionBuildDir: string;
  /** The Firefox build to pack; '' for the one beside the relay. */
  firefoxBuildDir: string;
  /** The admin's Mozilla-signed XPI; '' for none. */
  firefoxSignedXpi: string;
  oauthRedirectUrls: string[];
  logLevel: LogLevel;
}

export type ConfigResult = { ok: true; config: RelayConfig } | { ok: false; errors: string[] } | { ok: 'help'; text: string };

/** Reads flags and environment (flags win) and the command among `commands`, checks every option, and reports all problems at once. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, commands: readonly CommandSpec[]): ConfigResult {
  const flagOptions = Object.fromEntries(
    Object.values(OPTIONS)
      .filter((o) => o.flag)
      .map((o) => [o.flag.slice(2), { type: o.flag === '--demo' ? ('boolean' as const) : ('string' as const) }]),
  );
  let flags: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({ args: argv, options: { ...flagOptions, help: { type: 'boolean' } }, strict: true, allowPositionals: true }));
  } catch (err) {
    return { ok: false, errors: [(err as Error).message] };
  }
  if (flags.help) return { ok: 'help', text: helpText(commands) };

  const errors: string[] = [];
  const [name = 'serve', ...args] = positionals;
  const command: Command = { name, args };
  const spec = commands.find((c) => c.name === name);
  if (spec) {
    const wrong = spec.checkArgs(args);
    if (wrong) errors.push(`${name}: ${wrong}`);
  } else if (name !== 'serve' || args.length > 0) {
    errors.push(`"${positionals.join(' ')}" is not a command: use serve (the default), ${commands.map((c) => c.usage).join(', ')}.`);
  }
  // Each variable may instead name a file holding its value (GUARDMAIL_SECRET_KEY_FILE): a secret mounted by Docker,
  // Podman or Kubernetes, or in systemd's credentials directory, never in the process's environment.
  const fromFile: Partial<Record<OptionName, string>> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const path = env[`${OPTIONS[name].env}_FILE`];
    if (!path || env[OPTIONS[name].env] !== undefined) continue;
    try {
      fromFile[name] = readFileSync(path, 'utf8').trim();
    } catch (err) {
      errors.push(`${OPTIONS[name].env}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
  }
  const raw = (name: OptionName): string => {
    const o = OPTIONS[name];
    const fromFlag = o.flag ? flags[o.flag.slice(2)] : undefined;
    if (typeof fromFlag === 'boolean') return String(fromFlag);
    return (typeof fromFlag === 'string' ? fromFlag : (env[o.env] ?? fromFile[name])) ?? o.default;
  };
  const label = (name: OptionName) => [OPTIONS[name].flag, OPTIONS[name].env].filter(Boolean).join(' / ');

  // Each option read by its own parser, then what must hold between them, and every problem said at once. A check
  // between options looks only at those that were read.
  const v = {} as OptionValues;
  const bad = new Set<OptionName>();
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    try {
      (v as Record<OptionName, unknown>)[name] = OPTIONS[name].parse(raw(name));
    } catch (err) {
      if (!(err instanceof OptionError)) throw err;
      errors.push(`${label(name)}: ${err.message}`);
      bad.add(name);
    }
  }
  const read = (...names: OptionName[]) => names.every((n) => !bad.has(n));

  let database: RelayConfig['database'] = null;
  if (v.databaseUrl && read('databaseCa')) {
    try {
      postgresConnection(v.databaseUrl, v.databaseCa);
      database = { url: v.databaseUrl, ca: v.databaseCa };
    } catch (err) {
      errors.push(`${label('databaseUrl')}: ${(err as Error).message}.`);
    }
  } else if (!v.databaseUrl && raw('databaseCa')) errors.push(`${label('databaseCa')}: only used with ${label('databaseUrl')}.`);
  if (spec?.store?.only === 'postgres' && !v.databaseUrl) errors.push(`${name}: ${spec.store.why} with ${label('databaseUrl')}.`);
  if (spec?.store?.only === 'sqlite' && v.databaseUrl) errors.push(`${name}: ${spec.store.why} ${label('databaseUrl')}.`);

  if (Boolean(raw('tlsCert')) !== Boolean(raw('tlsKey'))) errors.push(`${label('tlsCert')} and ${label('tlsKey')}: give both or neither.`);
  const tls = v.tlsCert && v.tlsKey ? { cert: v.tlsCert, key: v.tlsKey } : null;
  if (read('host', 'behindTlsProxy') && isIP(v.host) && !isLoopbackHost(v.host) && !raw('tlsCert') && !v.behindTlsProxy) {
    errors.push(
      `${label('host')}: "${v.host}" is reachable from the network, and the admin token must not cross it in clear. ` +
        `Give ${label('tlsCert')} and ${label('tlsKey')}, or run behind a TLS-terminating reverse proxy with ${label('behindTlsProxy')}=true.`,
    );
  }

  const retention: Retention = {
    deviceStaleMs: v.deviceStaleDays,
    devicePruneMs: v.devicePruneDays,
    sentAlertMs: v.alertRetentionDays,
    auditMs: v.auditRetentionDays,
  };
  if (read('devicePruneDays', 'deviceStaleDays') && retention.devicePruneMs < retention.deviceStaleMs)
    errors.push(`${label('devicePruneDays')}: must be at least ${label('deviceStaleDays')}, so a device is shown as stopped before it is forgotten.`);

  if (v.adminToken && v.adminToken === v.enrollmentToken) {
    errors.push(`${label('enrollmentToken')}: must differ from the admin token, which every managed browser would otherwise hold.`);
  }
  // On PostgreSQL the relays hold the key themselves while it rotates; rotate-key re-seals with the current one.
  if (command.name === 'rotate-key' && v.secretKey && !v.newSecretKey && !v.databaseUrl) {
    errors.push(`rotate-key: the key comes from ${label('secretKey')}, so give the new one in ${label('newSecretKey')} (openssl rand -base64 32).`);
  }

  if (errors.length > 0) return { ok: false, errors };
  const wildcard = v.host === '0.0.0.0' || v.host === '::';
  const publicHost = v.publicUrl ? [new URL(v.publicUrl).hostname] : [];
  const allowedHosts =
    wildcard && publicHost.length === 0 && v.allowedHosts.length === 0
      ? null
      : ['127.0.0.1', 'localhost', '[::1]', ...(wildcard ? [] : [isIP(v.host) === 6 ? `[${v.host}]` : v.host.toLowerCase()]), ...publicHost, ...v.allowedHosts];
  return {
    ok: true,
    config: {
      command,
      demo: v.demo,
      host: v.host,
      port: v.port,
      dataDir: v.dataDir,
      database,
      tls,
      behindTlsProxy: v.behindTlsProxy,
      connections: { max: v.maxConnections, perClient: v.maxConnectionsPerClient, headerTimeoutMs: v.headerTimeoutSeconds },
      storeBudgetBytes: v.storeBudgetMb,
      smtpConnectMs: v.smtpConnectSeconds,
      publicUrl: v.publicUrl,
      allowedHosts,
      newDevicesPerHour: v.newDevicesPerHour,
      retention,
      delivery: { queueLifetimeMs: v.queueLifetimeDays, delayedAfterMs: v.deliveryDelayedMinutes },
      deliveryLeaseMs: v.deliveryLeaseSeconds,
      feeds: { ...DEFAULT_FEED_OPTIONS, urls: v.releaseFeedUrls, refreshMs: v.releaseRefreshHours, maxAgeMs: v.releaseMaxAgeDays },
      adminToken: v.adminToken,
      enrollmentToken: v.enrollmentToken,
      secretKey: v.secretKey,
      previousSecretKey: v.previousSecretKey,
      newSecretKey: v.newSecretKey,
      extensionOrigins: v.extensionOrigins,
      extensionKeyFile: v.extensionKeyFile,
      extensionBuildDir: v.extensionBuildDir,
      firefoxBuildDir: v.firefoxBuildDir,
      firefoxSignedXpi: v.firefoxSignedXpi,
      oauthRedirectUrls: v.oauthRedirectUrls,
      logLevel: v.logLevel,
    },
  };
}

function helpText(commands: readonly CommandSpec[]): string {
  const files = 'Each variable may instead name a file holding its value, as <variable>_FILE (e.g. GUARDMAIL_SECRET_KEY_FILE).';
  const rows = Object.values(OPTIONS).map(
    (o) => `  ${[o.flag, o.env].filter(Boolean).join(', ')}${o.default ? ` (default ${o.default})` : ''}\n      ${o.description}`,
  );
  const width = Math.max(...commands.map((c) => c.usage.length), 'serve'.length) + 2;
  const usage = [{ usage: '[serve] [options]', summary: 'run the relay' }, ...commands].map(
    (c, i) => `${i === 0 ? 'Usage:' : '      '} guardmail-relay ${c.usage.padEnd(width)}${c.summary}`,
  );
  return `${usage.join('\n')}\n\nOptions (flags override environment variables):\n${rows.join('\n')}\n\n${files}\n`;
}
