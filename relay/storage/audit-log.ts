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
  | 'deployment.policy-written'
  | 'api-token.created'
  | 'api-token.revoked'
  | 'identity.updated'
  | 'admin.signed-in'
  | 'admin.sign-in-failed'
  | 'admin.role-changed'
  | 'admin.signed-out'
  | 'session.revoked'
  | 'auth.refused';

/** Who did an audited thing: the request, and for an admin's, who (a token's name), with what role, from where. */
export interface AuditBy {
  requestId: string;
  actor?: string;
  role?: string;
  source?: string;
}

interface AuditRow {
  id: number;
  at: number;
  request_id: string;
  action: string;
  details: string;
  actor: string;
  actor_role: string;
  source: string;
}

/** Who changed what and when; details never hold a secret's value (see domain/audit.ts). */
export class AuditLog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** `by` is an admin request's (http/auth.ts auditBy), a request id alone, or nothing for the relay's own doing. */
  async record(action: AuditAction, details: Record<string, unknown>, by: AuditBy | string = '', at = Date.now()): Promise<void> {
    const who = typeof by === 'string' ? { requestId: by } : by;
    await this.#sql.run(
      sql`INSERT INTO audit_log (at, request_id, action, details, actor, actor_role, source)
          VALUES (${at}, ${who.requestId}, ${action}, ${JSON.stringify(details)}, ${who.actor ?? ''}, ${who.role ?? ''}, ${who.source ?? ''})`,
    );
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
      ...(r.actor ? { actor: r.actor, role: r.actor_role, source: r.source } : {}),
    }));
  }
}
