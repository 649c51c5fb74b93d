import type { AuditEntry } from '../../shared/api';
import { sql, type Sql } from './sql';

export type AuditAction =
  | 'mail-settings.updated'
  | 'alert-policy.updated'
  | 'oauth.consent-granted'
  | 'oauth.disconnected'
  | 'oauth.reauthorization-required'
  | 'secret-key.rotated'
  | 'alerts.retried'
  | 'devices.admission-limited'
  | 'device.report-refused'
  | 'device.forgotten'
  | 'deployment.policy-written';

interface AuditRow {
  id: number;
  at: number;
  request_id: string;
  action: string;
  details: string;
}

/** Who changed what and when; details never hold a secret's value (see domain/audit.ts). */
export class AuditLog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async record(action: AuditAction, details: Record<string, unknown>, requestId = '', at = Date.now()): Promise<void> {
    await this.#sql.run(sql`INSERT INTO audit_log (at, request_id, action, details) VALUES (${at}, ${requestId}, ${action}, ${JSON.stringify(details)})`);
  }

  /** Forgets entries from before `cutoff` (retention); answers how many. */
  prune(cutoff: number): Promise<number> {
    return this.#sql.run(sql`DELETE FROM audit_log WHERE at < ${cutoff}`);
  }

  async list(limit: number): Promise<AuditEntry[]> {
    const rows = await this.#sql.all<AuditRow>(sql`SELECT * FROM audit_log ORDER BY id DESC LIMIT ${limit}`);
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      requestId: r.request_id,
      action: r.action,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}
