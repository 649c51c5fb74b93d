import type { Retention } from '../domain/retention';
import type { AuditLog } from './audit-log';
import type { FleetStore } from './fleet';
import type { OutboxStore } from './outbox';

/** Forgets what outlived its retention: silent devices, old sent alerts, old audit entries. Answers how many of each. */
export async function pruneExpired(
  stores: { fleet: Pick<FleetStore, 'prune'>; outbox: Pick<OutboxStore, 'pruneSent'>; audit: Pick<AuditLog, 'prune'> },
  retention: Retention,
  now: number,
): Promise<{ devices: number; alerts: number; audit: number }> {
  return {
    devices: await stores.fleet.prune(now - retention.devicePruneMs),
    alerts: await stores.outbox.pruneSent(now - retention.sentAlertMs),
    audit: await stores.audit.prune(now - retention.auditMs),
  };
}
