import type { ApiTokenView } from '../../shared/api';
import { isAdminRole, type AdminRole } from '../../shared/roles';
import { randomToken, tokenHash } from './access-tokens';
import { constant, sql, type Sql } from './sql';

/**
 * Who a request acts as: the break-glass admin token (an owner), a named API token, or an admin signed in through the
 * identity provider (a session), each with its role.
 */
export interface Principal {
  name: string;
  role: AdminRole;
  tokenId?: number;
  kind?: TokenKind;
}

/**
 * Two kinds of token share one table and one check: named tokens for automation, made by owners, and sessions, made by
 * a sign-in. Each kind has its prefix, so that a leaked one is recognisable in a scan, as the admin token's gm_adm_ is.
 */
export type TokenKind = 'api' | 'session';
export const TOKEN_PREFIXES: Record<TokenKind, string> = { api: 'gm_api_', session: 'gm_ses_' };
const kindOf = (token: string) => (Object.keys(TOKEN_PREFIXES) as TokenKind[]).find((k) => token.startsWith(TOKEN_PREFIXES[k]));
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
  kind: string;
}

const COLUMNS = constant('id, name, role, created_at, created_by, expires_at, last_used_at, revoked_at, kind');
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

/**
 * Named API tokens for automation and admins' sessions: each with a role and an expiry, kept as a hash, listed and
 * revoked by owners.
 */
export class ApiTokens {
  readonly #sql: Sql;
  readonly #remembered = new Map<string, { row: Row; at: number }>();

  constructor(db: Sql) {
    this.#sql = db;
  }

  /** Makes a token; the answer is the only time its value exists outside the caller. */
  async create(
    o: { name: string; role: AdminRole; expiresAt: number; createdBy: string; kind?: TokenKind; subject?: string },
    now: number,
  ): Promise<{ token: string; view: ApiTokenView }> {
    const kind = o.kind ?? 'api';
    const token = randomToken(TOKEN_PREFIXES[kind]);
    const row = await this.#sql.get<Row>(
      sql`INSERT INTO api_tokens (name, role, sha256, created_at, created_by, expires_at, kind, subject)
          VALUES (${o.name}, ${o.role}, ${tokenHash(token)}, ${now}, ${o.createdBy}, ${o.expiresAt}, ${kind}, ${o.subject ?? ''})
          RETURNING ${COLUMNS}`,
    );
    return { token, view: view(row!) };
  }

  /** Named tokens, all of them; sessions, only those still open. */
  async list(kind: TokenKind, now: number): Promise<ApiTokenView[]> {
    const rows =
      kind === 'api'
        ? await this.#sql.all<Row>(sql`SELECT ${COLUMNS} FROM api_tokens WHERE kind = 'api' ORDER BY id DESC`)
        : await this.#sql.all<Row>(
            sql`SELECT ${COLUMNS} FROM api_tokens WHERE kind = 'session' AND revoked_at IS NULL AND expires_at > ${now} ORDER BY id DESC LIMIT 1000`,
          );
    return rows.map(view);
  }

  /** Revokes a token of this kind at once on this relay; answers it, or null when there is no such token. */
  async revoke(kind: TokenKind, id: number, now: number): Promise<ApiTokenView | null> {
    await this.#sql.run(sql`UPDATE api_tokens SET revoked_at = ${now} WHERE id = ${id} AND kind = ${kind} AND revoked_at IS NULL`);
    this.#remembered.clear();
    const row = await this.#sql.get<Row>(sql`SELECT ${COLUMNS} FROM api_tokens WHERE id = ${id} AND kind = ${kind}`);
    return row ? view(row) : null;
  }

  /** The role the subject's latest session had, or null for someone who never signed in (or not since retention). */
  async lastRole(subject: string): Promise<string | null> {
    const row = await this.#sql.get<{ role: string }>(
      sql`SELECT role FROM api_tokens WHERE kind = 'session' AND subject = ${subject} ORDER BY id DESC LIMIT 1`,
    );
    return row?.role ?? null;
  }

  /** The names of owners who signed in since `since`: whom a change of tokens or roles is told. */
  async ownerNames(since: number): Promise<string[]> {
    const rows = await this.#sql.all<{ name: string }>(
      sql`SELECT DISTINCT name FROM api_tokens WHERE kind = 'session' AND role = 'owner' AND created_at >= ${since} LIMIT 100`,
    );
    return rows.map((r) => r.name);
  }

  /** Forgets sessions that ended before `cutoff`; named tokens stay listed until an owner revokes them. */
  prune(cutoff: number): Promise<number> {
    return this.#sql.run(sql`DELETE FROM api_tokens WHERE kind = 'session' AND expires_at < ${cutoff}`);
  }

  /** Why a token principal() refused is refused, in words for its presenter and the audit log. */
  async whyRefused(token: string, now: number): Promise<string> {
    const kind = kindOf(token);
    const row = kind && (await this.#sql.get<Row>(sql`SELECT ${COLUMNS} FROM api_tokens WHERE sha256 = ${tokenHash(token)}`));
    if (!row) return 'The bearer token is not one this relay issued.';
    const what = row.kind === 'session' ? `${row.name}'s session` : `The API token "${row.name}"`;
    if (row.revoked_at !== null) return `${what} was revoked${row.kind === 'session' ? ': sign in again' : ''}.`;
    if (Number(row.expires_at) <= now) return `${what} has expired${row.kind === 'session' ? ': sign in again' : ''}.`;
    return `${what} is not valid.`;
  }

  /** Who a presented named token or session acts as: null when it is unknown, revoked or expired. */
  async principal(token: string, now: number): Promise<Principal | null> {
    if (!kindOf(token)) return null;
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
    return { name: r.name, role: r.role, tokenId: Number(r.id), kind: r.kind as TokenKind };
  }
}
