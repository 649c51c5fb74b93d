import type { Retention } from '../domain/retention';
import type { AuditLog } from './audit-log';
import type { FleetStore } from './fleet-store';
import type { OutboxStore } from './outbox-store';

/** Forgets what outlived its retention: silent devices, old sent alerts, old audit entries. Answers how many of each. */
export function pruneExpired(stores: { fleet: FleetStore; outbox: OutboxStore; audit: AuditLog }, retention: Retention, now: number): { devices: number; alerts: number; audit: number } {
  return {
    devices: stores.fleet.prune(now - retention.devicePruneMs),
    alerts: stores.outbox.pruneSent(now - retention.sentAlertMs),
    audit: stores.audit.prune(now - retention.auditMs),
  };
}
