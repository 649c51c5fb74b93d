import type { Retention } from '../domain/retention';
import type { ApiTokens } from './api-tokens';
import type { AuditLog } from './audit-log';
import type { FleetStore } from './fleet';
import type { OutboxStore } from './outbox';

/** Forgets what outlived its retention: silent devices, old sent alerts, old audit entries and sessions. Answers how many of each. */
export async function pruneExpired(
  stores: { fleet: Pick<FleetStore, 'prune'>; outbox: Pick<OutboxStore, 'pruneSent'>; audit: Pick<AuditLog, 'prune'>; apiTokens: Pick<ApiTokens, 'prune'> },
  retention: Retention,
  now: number,
): Promise<{ devices: number; alerts: number; audit: number; sessions: number }> {
  return {
    devices: await stores.fleet.prune(now - retention.devicePruneMs),
    alerts: await stores.outbox.pruneSent(now - retention.sentAlertMs),
    audit: await stores.audit.prune(now - retention.auditMs),
    // A session is kept as long as an audit entry, so that a role change still shows at the next sign-in.
    sessions: await stores.apiTokens.prune(now - retention.auditMs),
  };
}
