import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { OncePerWindow } from '../domain/once-per-window';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';

/** What a request's body may take beyond its headers: a 512 KB report over a slow mobile link fits in it. */
export const BODY_TIME_MS = 30_000;

/**
 * The server's own time limits, given when it is created: headers within `headerTimeoutMs`, the whole request within
 * BODY_TIME_MS more, checked on a fifth of the header time (Node's default interval is 30 s, which a held connection
 * would outlast the header time by).
 */
export const serverTimeouts = (headerTimeoutMs: number) => ({
  headersTimeout: headerTimeoutMs,
  requestTimeout: headerTimeoutMs + BODY_TIME_MS,
  connectionsCheckingInterval: Math.max(250, Math.floor(headerTimeoutMs / 5)),
});

/**
 * Bounds what connections can cost before any request is read: at most `max` open, at most `perClient` from one
 * address (unless every connection comes from the TLS proxy in front). A connection over a bound is closed at once; it
 * is counted by reason, and logged once per minute and reason. With serverTimeouts, about 21,000 half-sent requests
 * held from one machine no longer stall /healthz.
 */
export function limitConnections(
  server: Server,
  o: { max: number; perClient: number; behindProxy: boolean; logger: Logger; metrics: Pick<Metrics, 'connectionsRefused'> },
): void {
  const perClient = new Map<string, number>();
  let open = 0;
  const logged = new OncePerWindow(60_000);
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const fromClient = perClient.get(client) ?? 0;
    const reason = open >= o.max ? 'total' : !o.behindProxy && fromClient >= o.perClient ? 'per-client' : null;
    if (reason) {
      o.metrics.connectionsRefused.inc({ reason });
      if (logged.admits(reason, Date.now())) o.logger.warn({ client, reason, open, fromClient }, 'connections over their bound are closed at once');
      socket.destroy();
      return;
    }
    open++;
    perClient.set(client, fromClient + 1);
    socket.once('close', () => {
      open--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });
}
