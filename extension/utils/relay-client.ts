import { API_PREFIX, API_VERSION, type HealthAnswer } from '../../shared/api';
import type { ApiErrorBody } from '../../shared/errors';
import { isLoopbackHost } from '../../shared/mail-settings';
import { ClientError } from './client-errors';

export interface Connection {
  relayUrl: string;
  adminToken: string;
}

/**
 * The relay URL as the extension will use it, without a trailing slash. Plain http:// is refused off loopback:
 * the admin token and the client secret would cross the network in clear.
 */
export function normalizeRelayUrl(input: string): string {
  const text = input.trim();
  if (!URL.canParse(text))
    throw new ClientError({ code: 'VALIDATION_FAILED', field: 'relayUrl', message: 'relayUrl: enter a URL such as https://guardmail.example.com' });
  const url = new URL(text);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new ClientError({ code: 'RELAY_URL_INSECURE', field: 'relayUrl' });
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ClientError({ code: 'VALIDATION_FAILED', field: 'relayUrl', message: 'relayUrl: use https://' });
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

type RelayRequest = { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number };

async function send(relayUrl: string, path: string, init: RelayRequest): Promise<Response> {
  try {
    return await fetch(`${relayUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...init.headers,
      },
      // A string is sent as it is: a signed body must reach the relay byte for byte.
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch {
    throw new ClientError({ code: 'RELAY_UNREACHABLE' });
  }
}

/** The relay's coded error, from a refused request's JSON body. */
async function refusal(res: Response): Promise<never> {
  const body = (await res.json().catch(() => null)) as Partial<ApiErrorBody> | null;
  const error = body?.error;
  if (!error || typeof error.code !== 'string') throw new ClientError({ code: 'RELAY_BAD_ANSWER' });
  throw new ClientError({ code: error.code, message: error.message, hint: error.hint, field: error.field, serverResponse: error.serverResponse });
}

/** Calls the relay and answers its JSON, or throws a ClientError with the relay's code or the extension's own. */
export async function relayFetch<T>(relayUrl: string, path: string, init: RelayRequest = {}): Promise<T> {
  const res = await send(relayUrl, path, init);
  if (res.status === 204) return undefined as T;
  if (!res.ok) return refusal(res);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ClientError({ code: 'RELAY_BAD_ANSWER' });
  }
}

/** A file the relay answers (a policy to apply), as base64 to cross to the popup, with the name the relay gave it. */
export async function relayDownload(
  relayUrl: string,
  path: string,
  init: RelayRequest = {},
): Promise<{ fileName: string; contentType: string; base64: string }> {
  const res = await send(relayUrl, path, init);
  if (!res.ok) return refusal(res);
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'guardmail-policy';
  const bytes = new Uint8Array(await res.arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return { fileName, contentType: res.headers.get('Content-Type') ?? 'application/octet-stream', base64: btoa(binary) };
}

/** Checks that the URL is a Guardmail relay speaking our API version, then that it accepts the token. */
export async function verifyConnection(connection: Connection): Promise<void> {
  const health = await relayFetch<Partial<HealthAnswer>>(connection.relayUrl, '/healthz');
  if (health?.status !== 'ok') throw new ClientError({ code: 'RELAY_BAD_ANSWER' });
  if (health.apiVersion !== API_VERSION)
    throw new ClientError({
      code: 'RELAY_VERSION_MISMATCH',
      message: `The relay speaks API ${health.apiVersion ?? 'unknown'}; this extension speaks ${API_VERSION}.`,
    });
  await relayFetch(connection.relayUrl, `${API_PREFIX}/status`, { token: connection.adminToken });
}
