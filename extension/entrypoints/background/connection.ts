import { browser } from 'wxt/browser';
import { API_PREFIX } from '../../../shared/api';
import type { SignedInAnswer } from '../../../shared/identity';
import type { AuthorizeAnswer } from '../../../shared/oauth';
import { ClientError, type ShownError } from '../../utils/client-errors';
import { maskToken, type ConnectionView } from '../../utils/protocol';
import { normalizeRelayUrl, relayFetch, verifyConnection, type Connection } from '../../utils/relay-client';
import { adminTokenItem, managedAdminTokenItem, managedRelayUrlItem, relayUrlItem, sessionItem, signInErrorItem, type AdminSession } from '../../utils/storage';
import { launch } from './consent';

interface Current {
  connection: Connection | null;
  /** Both the relay URL and the admin token are set by policy: the admin changes neither. */
  managed: boolean;
  session: AdminSession | null;
  /** The relay in use, else the one last used, else the one policy names for reports. */
  relayUrl: string | null;
}

/**
 * The relay and the credential in force: policy's URL and token when both are set; else a signed-in admin's session
 * while it lasts; else the admin token the admin saved.
 */
async function current(): Promise<Current> {
  const [managedUrl, managedToken, savedUrl, savedToken, session] = await Promise.all([
    managedRelayUrlItem.getValue().catch(() => null),
    managedAdminTokenItem.getValue().catch(() => null),
    relayUrlItem.getValue(),
    adminTokenItem.getValue(),
    sessionItem.getValue(),
  ]);
  if (managedUrl && managedToken) {
    const relayUrl = normalizeRelayUrl(managedUrl);
    return { connection: { relayUrl, adminToken: managedToken }, managed: true, session: null, relayUrl };
  }
  const relayUrl = savedUrl ?? (managedUrl ? normalizeRelayUrl(managedUrl) : null);
  const live = session && session.relayUrl === savedUrl && Date.parse(session.expiresAt) > Date.now() ? session : null;
  if (live) return { connection: { relayUrl: live.relayUrl, adminToken: live.token }, managed: false, session: live, relayUrl };
  return { connection: savedUrl && savedToken ? { relayUrl: savedUrl, adminToken: savedToken } : null, managed: false, session: null, relayUrl };
}

function refuseIfManaged(c: Current): void {
  if (c.managed) throw new ClientError({ code: 'VALIDATION_FAILED', field: 'relayUrl', message: 'relayUrl: set by policy' });
}

export async function requireConnection(): Promise<Connection> {
  const { connection } = await current();
  if (!connection) throw new ClientError({ code: 'RELAY_NOT_SET' });
  return connection;
}

export async function connectionView(): Promise<ConnectionView> {
  const [{ connection, managed, session, relayUrl }, signInError] = await Promise.all([current(), signInErrorItem.getValue()]);
  return {
    relayUrl,
    connected: connection !== null,
    tokenHint: connection && !session ? maskToken(connection.adminToken) : null,
    signedIn: session?.name ?? null,
    signInError,
    managed,
  };
}

/** Checks the relay and the token before keeping them, so a typo is explained now and not at the next save. */
export async function saveConnection(relayUrl: string, adminToken: string): Promise<ConnectionView> {
  refuseIfManaged(await current());
  const connection = { relayUrl: normalizeRelayUrl(relayUrl), adminToken: adminToken.trim() };
  await verifyConnection(connection);
  await Promise.all([relayUrlItem.setValue(connection.relayUrl), adminTokenItem.setValue(connection.adminToken), sessionItem.setValue(null)]);
  return connectionView();
}

/**
 * Signs the admin in with the company's identity provider (docs/architecture.md, flow 8): the relay makes the
 * authorization URL, launchWebAuthFlow shows the provider's pages, and the relay turns the URL the window ended on into
 * a session of its own. Run here, since the popup closes when the sign-in window takes focus; a failure is kept for
 * the popup opened next.
 */
export async function signIn(typedUrl: string): Promise<ConnectionView> {
  refuseIfManaged(await current());
  const relayUrl = normalizeRelayUrl(typedUrl);
  await signInErrorItem.setValue(null);
  try {
    const { authorizationUrl } = await relayFetch<AuthorizeAnswer>(relayUrl, `${API_PREFIX}/sign-in/start`, {
      method: 'POST',
      body: { redirectUrl: browser.identity.getRedirectURL() },
    });
    const callbackUrl = await launch(authorizationUrl, 'SIGN_IN_WINDOW_CLOSED');
    const signed = await relayFetch<SignedInAnswer>(relayUrl, `${API_PREFIX}/sign-in/finish`, { method: 'POST', body: { callbackUrl }, timeoutMs: 30_000 });
    // A token saved for another relay is not this one's: kept, it would be sent here once the session ends.
    const savedFor = await relayUrlItem.getValue();
    await Promise.all([
      sessionItem.setValue({ relayUrl, token: signed.session, name: signed.name, role: signed.role, expiresAt: signed.expiresAt }),
      relayUrlItem.setValue(relayUrl),
      ...(savedFor !== relayUrl ? [adminTokenItem.setValue(null)] : []),
    ]);
  } catch (err) {
    const error: ShownError = err instanceof ClientError ? err.shown : { code: 'CONSENT_FAILED', message: String(err) };
    await signInErrorItem.setValue(error);
    throw err;
  }
  return connectionView();
}

/** Ends the session at the relay (a relay that does not answer lets it expire) and forgets it here. */
export async function signOut(): Promise<ConnectionView> {
  const session = await sessionItem.getValue();
  await sessionItem.setValue(null);
  if (session) await relayFetch(session.relayUrl, `${API_PREFIX}/session`, { method: 'DELETE', token: session.token }).catch(() => undefined);
  return connectionView();
}
