import type { ApiTokenView } from '../../shared/api';
import { isAdminRole, type AdminRole } from '../../shared/roles';
import { randomToken, tokenHash } from './access-tokens';
import { constant, sql, type Sql } from './sql';

/** Who a request acts as: the break-glass admin token (an owner), or a named API token with its role. */
export interface Principal {
  name: string;
  role: AdminRole;
  tokenId?: number;
}

/** The prefix of a named token, so that a leaked one is recognisable in a scan, as the admin token's gm_adm_ is. */
export const API_TOKEN_PREFIX = 'gm_api_';
/**
 * A relay remembers a token it checked this long: a revocation made on another relay sharing the database takes
 * effect here within it (on this relay, at once).
 */
const REMEMBERED_MS = 10_000;
/** Last use is written at most this often per token: an automation calling every second writes once a minute. */
const LAST_USE_EVERY_MS = 60_000;

interface Row {
  id: number;
  name: string;
  role: string;
  created_at: number;
  created_by: string;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const COLUMNS = constant('id, name, role, created_at, created_by, expires_at, last_used_at, revoked_at');
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function view(r: Row): ApiTokenView {
  return {
    id: Number(r.id),
    name: r.name,
    role: r.role as AdminRole,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    expiresAt: iso(r.expires_at)!,
    lastUsedAt: iso(r.last_used_at),
    revoked: r.revoked_at !== null,
  };
}

/** Named API tokens for automation: each with a role and an expiry, kept as a hash, listed and revoked by owners. */
export class ApiTokens {
  readonly #sql: Sql;
  readonly #remembered = new Map<string, { row: Row; at: number }>();

  constructor(db: Sql) {
    this.#sql = db;
  }

  /** Makes a token; the answer is the only time its value exists outside the caller. */
  async create(o: { name: string; role: AdminRole; expiresAt: number; createdBy: string }, now: number): Promise<{ token: string; view: ApiTokenView }> {
    const token = randomToken(API_TOKEN_PREFIX);
    const row = await this.#sql.get<Row>(
      sql`INSERT INTO api_tokens (name, role, sha256, created_at, created_by, expires_at)
          VALUES (${o.name}, ${o.role}, ${tokenHash(token)}, ${now}, ${o.createdBy}, ${o.expiresAt})
          RETURNING ${COLUMNS}`,
    );
    return { token, view: view(row!) };
  }

  async list(): Promise<ApiTokenView[]> {
    const rows = await this.#sql.all<Row>(sql`SELECT ${COLUMNS} FROM api_tokens ORDER BY id DESC`);
    return rows.map(view);
  }

  /** Revokes a token at once on this relay; answers it, or null when there is no such token. */
  async revoke(id: number, now: number): Promise<ApiTokenView | null> {
    await this.#sql.run(sql`UPDATE api_tokens SET revoked_at = ${now} WHERE id = ${id} AND revoked_at IS NULL`);
    this.#remembered.clear();
    const row = await this.#sql.get<Row>(sql`SELECT ${COLUMNS} FROM api_tokens WHERE id = ${id}`);
    return row ? view(row) : null;
  }

  /** Who a presented named token acts as: null when it is unknown, revoked or expired. */
  async principal(token: string, now: number): Promise<Principal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const hash = tokenHash(token);
    const key = hash.toString('hex');
    let row = this.#remembered.get(key);
    if (!row || now - row.at > REMEMBERED_MS) {
      const found = await this.#sql.get<Row>(sql`SELECT ${COLUMNS} FROM api_tokens WHERE sha256 = ${hash}`);
      if (!found) {
        this.#remembered.delete(key);
        return null;
      }
      row = { row: found, at: now };
      // Only tokens that exist are remembered, and only while they are used: the map holds the live automations.
      if (this.#remembered.size > 1000) this.#remembered.clear();
      this.#remembered.set(key, row);
    }
    const r = row.row;
    if (r.revoked_at !== null || Number(r.expires_at) <= now || !isAdminRole(r.role)) return null;
    if (r.last_used_at === null || now - Number(r.last_used_at) >= LAST_USE_EVERY_MS) {
      r.last_used_at = now;
      await this.#sql.run(sql`UPDATE api_tokens SET last_used_at = ${now} WHERE id = ${r.id}`);
    }
    return { name: r.name, role: r.role, tokenId: Number(r.id) };
  }
}
