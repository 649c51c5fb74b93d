import type { AppDeps } from './deps';
import { PRUNE_EVERY_MS } from './domain/retention';
import { pruneExpired } from './storage/prune';

/** The relay's background work, started: stop() ends it and leaves the store as a next start expects it. */
export interface Running {
  stop(): Promise<void>;
}

/**
 * Starts what the relay does on its own: the token keep-alive, pruning what outlived its retention, taking back the
 * batches a killed process left running, the outbox worker, the release feeds and the store's measurements.
 */
export async function startRelay(deps: AppDeps): Promise<Running> {
  const { logger } = deps;
  deps.tokenManager.start();
  const prune = () =>
    pruneExpired(deps, deps.retention, Date.now()).then(
      (pruned) => {
        if (pruned.devices + pruned.alerts + pruned.audit + pruned.sessions > 0) logger.info(pruned, 'pruned what outlived its retention');
      },
      (err: unknown) => logger.error({ err }, 'pruning failed; it runs again within the hour'),
    );
  void prune();
  const pruning = setInterval(() => void prune(), PRUNE_EVERY_MS);
  pruning.unref();
  const upkeep = setInterval(() => void keepInventory(deps), INVENTORY_UPKEEP_MS);
  upkeep.unref();
  const recovered = await deps.outbox.recoverInterrupted(Date.now());
  if (recovered > 0) logger.warn({ alerts: recovered }, 'alerts interrupted by the last stop are due again');
  deps.worker.start();
  deps.feeds.start();
  deps.storeWatch.start();
  return {
    stop: async () => {
      clearInterval(pruning);
      clearInterval(upkeep);
      await stopRelay(deps);
    },
  };
}

/** How often the extension inventory forgets unused versions, looks for extensions spreading, and follows up mailed changes. */
export const INVENTORY_UPKEEP_MS = 60_000;

/** One pass of the inventory's upkeep; a spreading extension's alert goes out with the next mail. */
export async function keepInventory(deps: Pick<AppDeps, 'stores' | 'policy' | 'worker' | 'logger'>, now = Date.now()): Promise<void> {
  try {
    const { forgotten, spreading, followUps } = await deps.stores.extensions.maintain(now, deps.policy.get());
    if (spreading.length > 0) deps.logger.info({ extensions: spreading }, 'extensions spreading through the fleet: alerted');
    if (spreading.length + followUps > 0) void deps.worker.wake().catch(() => undefined);
    if (forgotten > 0) deps.logger.debug({ versions: forgotten }, 'extension versions no device runs forgotten');
  } catch (err) {
    deps.logger.error({ err }, 'the extension inventory upkeep failed; it runs again within a minute');
  }
}

/**
 * Stops the relay's work, started or not (the tests drive the worker and the feeds by hand): the send in flight and a
 * feed refresh finish, pooled connections close, the delivery record held back is written, and the fleet's group
 * commit stops. The stores stay open for whoever opened them to close.
 */
export async function stopRelay(deps: AppDeps): Promise<void> {
  deps.tokenManager.stop();
  deps.storeWatch.stop();
  await Promise.all([deps.worker.stop(), deps.feeds.stop()]);
  deps.sender.close();
  // The record is the status line's: a store that cannot take it (gone, full) must not keep the relay from stopping.
  await deps.deliveryLog.flush().catch((err: unknown) => deps.logger.warn({ err }, 'the last delivery could not be recorded at stop'));
  await deps.fleet.close().catch((err: unknown) => deps.logger.warn({ err }, 'the devices last seen could not be written at stop'));
}
