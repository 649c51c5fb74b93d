/** When to refresh an access token, and how to read what an SMTP server says about a refused one. Pure. */

/** Refresh this long before expiry, so a send never starts with a token about to die. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

/**
 * Refresh an idle account at least this often. Microsoft refresh tokens die after 90 days unused (AADSTS700082);
 * weekly keeps a wide margin and also notices revocation within a week instead of at the next alert.
 */
export const KEEP_ALIVE_MS = 7 * 24 * 60 * 60_000;

/** How often the relay looks whether an idle account is due its keep-alive refresh. */
export const KEEP_ALIVE_CHECK_MS = 6 * 60 * 60_000;

export function needsRefresh(accessExpiresAt: number | null, now: number): boolean {
  return accessExpiresAt === null || accessExpiresAt - now <= REFRESH_AHEAD_MS;
}

export function needsKeepAlive(lastUsedAt: number, now: number): boolean {
  return now - lastUsedAt >= KEEP_ALIVE_MS;
}

export interface XOAuth2Challenge {
  status?: string;
  schemes?: string;
  scope?: string;
}

/**
 * Decodes the base64 JSON a server sends in its `334` answer to a refused XOAUTH2 login, as Gmail does:
 * `{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`.
 */
export function decodeXOAuth2Challenge(text: string): XOAuth2Challenge | null {
  try {
    const value = JSON.parse(Buffer.from(text.trim(), 'base64').toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as XOAuth2Challenge) : null;
  } catch {
    return null;
  }
}

/** The SASL XOAUTH2 initial response: base64 of `user=<address>^Aauth=Bearer <token>^A^A`. */
export function xoauth2InitialResponse(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}
