import type { AuditEntry } from '../../shared/api';
import type { Db } from './db';

export type AuditAction =
  | 'mail-settings.updated'
  | 'alert-policy.updated'
  | 'oauth.consent-granted'
  | 'oauth.disconnected'
  | 'oauth.reauthorization-required'
  | 'secret-key.rotated'
  | 'alerts.retried'
  | 'devices.admission-limited'
  | 'device.signature-refused'
  | 'device.key-reset'
  | 'device.forgotten'
  | 'deployment.policy-written';

/** Who changed what and when; details never hold a secret's value (see domain/audit.ts). */
export class AuditLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  record(action: AuditAction, details: Record<string, unknown>, requestId = '', at = Date.now()): void {
    this.#db.prepare('INSERT INTO audit_log (at, request_id, action, details) VALUES (?, ?, ?, ?)').run(at, requestId, action, JSON.stringify(details));
  }

  /** Forgets entries from before `cutoff` (retention); answers how many. */
  prune(cutoff: number): number {
    return this.#db.prepare('DELETE FROM audit_log WHERE at < ?').run(cutoff).changes;
  }

  list(limit: number): AuditEntry[] {
    const rows = this.#db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as { id: number; at: number; request_id: string; action: string; details: string }[];
    return rows.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), requestId: r.request_id, action: r.action, details: JSON.parse(r.details) as Record<string, unknown> }));
  }
}
