import type { AuditEntry } from '../../shared/api';
import type { Db } from './db';
import type { AuditAction, AuditStorage } from './stores';

/** Who changed what and when; details never hold a secret's value (see domain/audit.ts). */
export class AuditLog implements AuditStorage {
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
    const rows = this.#db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
    return rows.map(auditEntry);
  }
}

export interface AuditRow {
  id: number;
  at: number;
  request_id: string;
  action: string;
  details: string;
}

/** An entry as admins read it, from its row on either engine. */
export const auditEntry = (r: AuditRow): AuditEntry => ({ id: r.id, at: new Date(r.at).toISOString(), requestId: r.request_id, action: r.action, details: JSON.parse(r.details) as Record<string, unknown> });
