import { POLICY_BROWSERS, POLICY_PLATFORMS, type PolicyBrowser, type PolicyPlatform } from '../domain/fleet-policy';
import type { CommandSpec, RelayConfig } from '../config';

/** What a command prints: its answer on stdout, and a note for the operator on stderr. */
export interface CommandOutput {
  out: string | Buffer;
  note?: string;
}

/** A relay command: how it is called, what it checks of its arguments, and what it runs. */
export interface RelayCommand extends CommandSpec {
  /** Runs it. Each loads its modules only when used: a relay starts with what serving needs. */
  run(config: RelayConfig): Promise<CommandOutput>;
}

const oneFile = (example: string) => (args: string[]) => (args.length === 1 ? null : `give the file, e.g. "${example}".`);
const noArgs = (args: string[]) => (args.length === 0 ? null : 'takes no argument.');
const SQLITE_ONLY = 'works on the SQLite store of a data directory; on PostgreSQL use pg_dump for backups (see docs/operating.md), and run it without';

/** Every command, in the order --help lists them; `serve` (the default) runs the relay itself. */
export const COMMANDS: readonly RelayCommand[] = [
  {
    name: 'backup',
    usage: 'backup <file>',
    summary: 'copy the store, online, to <file>',
    store: { only: 'sqlite', why: SQLITE_ONLY },
    checkArgs: oneFile('backup /var/backups/guardmail.sqlite'),
    run: async (config) => ({ out: await (await import('../storage/sqlite/backup')).backup(config.dataDir, config.command.args[0]!) }),
  },
  {
    name: 'rotate-key',
    usage: 'rotate-key',
    summary: 're-seal every secret with a new key (relay stopped; on PostgreSQL, with the current key)',
    checkArgs: noArgs,
    run: async (config) => ({ out: await (await import('./rotate-key')).rotateKey(config) }),
  },
  {
    name: 'migrate-to-postgres',
    usage: 'migrate-to-postgres',
    summary: "copy the data directory's SQLite store into --database-url's empty database",
    store: { only: 'postgres', why: 'give the database to copy the store into' },
    checkArgs: noArgs,
    run: async (config) => ({ out: await (await import('./migrate-to-postgres')).migrateToPostgres(config) }),
  },
  {
    name: 'export-feeds',
    usage: 'export-feeds <file>',
    summary: "write the vendors' release data this relay holds to <file>",
    store: { only: 'sqlite', why: SQLITE_ONLY },
    checkArgs: oneFile('export-feeds /media/usb/guardmail-feeds.json'),
    run: async (config) => ({ out: await (await import('./feeds')).exportFeeds(config.dataDir, config.command.args[0]!) }),
  },
  {
    name: 'import-feeds',
    usage: 'import-feeds <file>',
    summary: 'load release data exported by a connected relay (air-gapped sites)',
    store: { only: 'sqlite', why: SQLITE_ONLY },
    checkArgs: oneFile('import-feeds /media/usb/guardmail-feeds.json'),
    run: async (config) => ({ out: await (await import('./feeds')).importFeeds(config.dataDir, config.command.args[0]!) }),
  },
  {
    name: 'wait-ready',
    usage: 'wait-ready',
    summary: 'wait until the relay started with the same options answers /healthz on this machine (for a service manager)',
    checkArgs: noArgs,
    run: async (config) => ({ out: await (await import('./wait-ready')).waitReady(config) }),
  },
  {
    name: 'policy',
    usage: 'policy <platform> [browser]',
    summary: `write the file that force-installs and enrols the extension (${POLICY_PLATFORMS.join(', ')}; ${POLICY_BROWSERS.join(' or ')}, the first by default) to stdout`,
    checkArgs: (args) =>
      (args.length === 1 || args.length === 2) &&
      (POLICY_PLATFORMS as readonly string[]).includes(args[0]!) &&
      (args[1] === undefined || (POLICY_BROWSERS as readonly string[]).includes(args[1]))
        ? null
        : `give the platform, one of ${POLICY_PLATFORMS.join(', ')}, then optionally the browser, ${POLICY_BROWSERS.join(' or ')} (e.g. "policy linux > guardmail.json", "policy linux firefox > policies.json").`,
    run: async (config) => {
      const [platform, browser = 'chromium'] = config.command.args;
      const { body, note } = await (await import('./policy')).writePolicy(config, platform as PolicyPlatform, browser as PolicyBrowser);
      return { out: body, note };
    },
  },
];
