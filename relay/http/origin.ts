import type { Context } from 'hono';
import { ApiError } from './api-error';

/** A Host header as RFC 9110 §7.2 allows it: a name or an IP literal, and a port. */
const HOST_HEADER = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/**
 * The relay's origin for the URLs it writes (update manifests, policies): the configured public URL, else the scheme of
 * the connection and the Host header, which allowHosts has checked against the relay's names when it knows them. Never
 * the request target: a client may send it in absolute form (`GET http://evil.example/… HTTP/1.1`, RFC 9112 §3.2.2),
 * and @hono/node-server then takes the request's URL from it whatever the Host header says.
 */
export function ownOrigin(c: Context, publicUrl: string): string {
  if (publicUrl) return publicUrl;
  const incoming = (c.env as { incoming?: { headers: Record<string, string | string[] | undefined>; socket: { encrypted?: boolean } } } | undefined)?.incoming;
  // In-process (app.request() in tests) there is no connection, and the URL is the one the caller built.
  if (!incoming) return new URL(c.req.url).origin;
  const host = incoming.headers.host;
  if (typeof host !== 'string' || !HOST_HEADER.test(host))
    throw new ApiError('HOST_NOT_ALLOWED', { message: "The request has no usable Host header to build the relay's URLs from: configure --public-url." });
  return `${incoming.socket.encrypted ? 'https' : 'http'}://${host.toLowerCase()}`;
}
