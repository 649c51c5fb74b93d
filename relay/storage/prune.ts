import type { Retention } from '../domain/retention';
import type { AuditStorage, FleetStorage, OutboxStorage } from './stores';

/** Forgets what outlived its retention: silent devices, old sent alerts, old audit entries. Answers how many of each. */
export async function pruneExpired(
  stores: { fleet: Pick<FleetStorage, 'prune'>; outbox: Pick<OutboxStorage, 'pruneSent'>; audit: Pick<AuditStorage, 'prune'> },
  retention: Retention,
  now: number,
): Promise<{ devices: number; alerts: number; audit: number }> {
  return {
    devices: await stores.fleet.prune(now - retention.devicePruneMs),
    alerts: await stores.outbox.pruneSent(now - retention.sentAlertMs),
    audit: await stores.audit.prune(now - retention.auditMs),
  };
}
