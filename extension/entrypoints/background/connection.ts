import { ClientError } from '../../utils/client-errors';
import { maskToken, type ConnectionView } from '../../utils/protocol';
import { normalizeRelayUrl, verifyConnection, type Connection } from '../../utils/relay-client';
import { adminTokenItem, managedAdminTokenItem, managedRelayUrlItem, relayUrlItem } from '../../utils/storage';

/** The relay URL and admin token in force: policy's when set, else what the admin saved. */
export async function currentConnection(): Promise<{ connection: Connection | null; managed: boolean }> {
  const [managedUrl, managedToken] = await Promise.all([managedRelayUrlItem.getValue().catch(() => null), managedAdminTokenItem.getValue().catch(() => null)]);
  if (managedUrl && managedToken) return { connection: { relayUrl: normalizeRelayUrl(managedUrl), adminToken: managedToken }, managed: true };
  const [relayUrl, adminToken] = await Promise.all([relayUrlItem.getValue(), adminTokenItem.getValue()]);
  return { connection: relayUrl && adminToken ? { relayUrl, adminToken } : null, managed: false };
}

export async function requireConnection(): Promise<Connection> {
  const { connection } = await currentConnection();
  if (!connection) throw new ClientError({ code: 'RELAY_NOT_SET' });
  return connection;
}

export async function connectionView(): Promise<ConnectionView> {
  const { connection, managed } = await currentConnection();
  return { relayUrl: connection?.relayUrl ?? null, tokenHint: connection ? maskToken(connection.adminToken) : null, managed };
}

/** Checks the relay and the token before keeping them, so a typo is explained now and not at the next save. */
export async function saveConnection(relayUrl: string, adminToken: string): Promise<ConnectionView> {
  if ((await currentConnection()).managed) throw new ClientError({ code: 'VALIDATION_FAILED', field: 'relayUrl', message: 'relayUrl: set by policy' });
  const connection = { relayUrl: normalizeRelayUrl(relayUrl), adminToken: adminToken.trim() };
  await verifyConnection(connection);
  await Promise.all([relayUrlItem.setValue(connection.relayUrl), adminTokenItem.setValue(connection.adminToken)]);
  return connectionView();
}
