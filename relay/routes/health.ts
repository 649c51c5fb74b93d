import { Hono } from 'hono';
import { API_VERSION, type HealthAnswer, type ReadinessAnswer, type ReadinessCheck } from '../../shared/api';
import { mailDestination, needsConsent } from '../../shared/mail-settings';
import { deliveryDelay } from '../delivery/delay';
import type { AppDeps, AppEnv } from '../deps';
import { releaseDataLine, releaseDataStatus } from '../feeds/release-status';
import { bearerToken } from '../http/auth';

/** Liveness checks nothing but the process; readiness runs named probes and fails only on a critical one. */
export function healthRoutes(
  deps: Pick<
    AppDeps,
    'stores' | 'mailSettings' | 'oauth' | 'outbox' | 'policy' | 'delivery' | 'releases' | 'feedOptions' | 'accessTokens' | 'apiTokens' | 'storeWatch' | 'now'
  >,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', apiVersion: API_VERSION } satisfies HealthAnswer);
  });

  routes.get('/readyz', async (c) => {
    const checks: Promise<ReadinessCheck>[] = [
      probe('database', true, async () => {
        await deps.stores.ping();
        return 'reachable';
      }),
    ];
    // Not critical: an unconfigured relay must stay reachable so that an admin can configure it.
    checks.push(
      probe('mail-configured', false, () => {
        const settings = deps.mailSettings.get();
        if (!settings) throw new Error('no mail settings saved yet');
        return `${mailDestination(settings)}, ${settings.authType === 'basic' ? 'password' : needsConsent(settings) ? 'OAuth' : 'OAuth app-only'}`;
      }),
    );
    if (mailUsesOAuth(deps)) {
      checks.push(
        probe('oauth-token', false, async () => {
          const account = await deps.oauth.account();
          if (!account) throw new Error('no account connected: save the settings from the popup and accept the consent');
          if (account.reauth) throw new Error(`re-authorization required: ${account.reauth.reason}`);
          const expiry = account.accessExpiresAt
            ? `access token valid until ${new Date(account.accessExpiresAt).toISOString()}`
            : 'access token refreshed at the next send';
          return `connected as ${account.account || 'an account the provider did not name'}; ${expiry}`;
        }),
      );
    }
    checks.push(
      probe('outbox', false, async () => {
        const now = (deps.now ?? Date.now)();
        const stats = await deps.outbox.stats(now);
        const { pending, failed } = stats;
        const delay = await deliveryDelay(deps, deps.delivery, now, stats);
        if (delay) {
          const error = delay.detail ? `${delay.code}: ${delay.detail}` : delay.code;
          throw new Error(`delivery delayed since ${new Date(delay.since).toISOString()}: ${error} (${pending} waiting, ${failed} failed)`);
        }
        return `${pending} waiting, ${failed} failed`;
      }),
    );
    // Not critical: without vendor data (or with old data) versions are still judged, against the fleet or the old data.
    checks.push(
      probe('release-data', false, () => {
        const now = (deps.now ?? Date.now)();
        const status = releaseDataStatus(deps.releases, deps.feedOptions.maxAgeMs, now);
        const line = releaseDataLine(status, now);
        if (status.stale) throw new Error(`stale: ${line}`);
        return line;
      }),
    );
    // Not critical: known devices keep reporting past the budget; the operator is told before new ones are refused.
    checks.push(
      probe('store-budget', false, async () => {
        const state = await deps.storeWatch.current();
        if (state.warns) throw new Error(state.detail);
        return state.detail;
      }),
    );
    const done = await Promise.all(checks);
    const ready = done.every((check) => check.ok || !check.critical);
    c.header('Cache-Control', 'no-store');
    // Load balancers need only the states; the mail server, the account and the outbox are any admin's to see (a
    // viewer's included: the status view shows them too), with the admin token, a named token or a session.
    const token = bearerToken(c);
    const admin =
      token !== undefined && (deps.accessTokens.verify('admin', token) || (await deps.apiTokens.principal(token, (deps.now ?? Date.now)())) !== null);
    const shown = admin ? done : done.map(({ name, ok, critical }) => ({ name, ok, critical }));
    return c.json({ ready, checks: shown } satisfies ReadinessAnswer, ready ? 200 : 503);
  });

  return routes;
}

/**
 * How long a probe may take before it counts as failed: a load balancer's own check times out within a few seconds, and
 * a database that hangs must read as not ready, not as a readiness answer that never comes.
 */
export const PROBE_TIMEOUT_MS = 2_000;

async function probe(name: string, critical: boolean, run: () => string | Promise<string>): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  try {
    return { name, ok: true, critical, detail: await Promise.race([Promise.resolve().then(run), timeout]) };
  } catch (err) {
    return { name, ok: false, critical, detail: err instanceof Error ? err.message : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

function mailUsesOAuth(deps: Pick<AppDeps, 'mailSettings'>): boolean {
  try {
    const settings = deps.mailSettings.get();
    // App-only settings have no account to watch: a token is asked for at each send.
    return Boolean(settings && needsConsent(settings));
  } catch {
    return false; // the database probe reports why
  }
}
