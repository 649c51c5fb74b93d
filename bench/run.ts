/**
 * `npm run bench`: every figure is the median of several runs, printed as a ratio against a baseline measured in
 * the same run on the same machine. Never a timed test. `npm run bench -- ingest delivery` runs only those.
 */
import { benchAdminAuth } from './admin-auth';
import { benchAlertLatency } from './alert-latency';
import { benchChangeToAlert } from './change-alert';
import { benchConsole, benchConsoleOpen } from './console';
import { benchDelivery } from './delivery';
import { benchExtension } from './extension';
import { benchIngest, benchMemory } from './ingest';
import { benchExtensionChange, benchInventory } from './inventory';
import { benchRelays } from './relays';
import { benchStorage } from './storage';
import { benchFeedMemory, benchJudge } from './judge';
import { benchStart } from './start';
import { benchTokenRefresh } from './token';

const BENCHES = {
  ingest: benchIngest,
  latency: benchAlertLatency,
  delivery: benchDelivery,
  token: benchTokenRefresh,
  start: benchStart,
  memory: benchMemory,
  extension: benchExtension,
  judge: benchJudge,
  feeds: benchFeedMemory,
  change: benchChangeToAlert,
  storage: benchStorage,
  inventory: benchInventory,
  'extension-change': benchExtensionChange,
  relays: benchRelays,
  'admin-auth': benchAdminAuth,
  console: benchConsole,
  'console-open': benchConsoleOpen,
};
const wanted = process.argv.slice(2).filter((a) => a in BENCHES) as (keyof typeof BENCHES)[];

process.stdout.write(`Guardmail benchmarks (node ${process.version}, medians of several runs)\n\n`);
for (const name of wanted.length ? wanted : (Object.keys(BENCHES) as (keyof typeof BENCHES)[])) await BENCHES[name]();
