import { relayErrors, type ErrorText } from '../../shared/locales/en';
import { Hono } from 'hono';
import { API_VERSION, type StatusAnswer } from '../../shared/api';
import { mailDestination } from '../../shared/mail-settings';
import type { OAuthStatus } from '../../shared/oauth';
import type { AppDeps, AppEnv } from '../deps';
import { deliveryDelay } from '../delivery/delay';
import { releaseDataStatus } from '../feeds/release-status';
import type { OAuthAccount } from '../storage/oauth';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Token health as admins and /readyz see it: dates and reasons, never a token. */
export function oauthStatus(account: OAuthAccount, now: number): OAuthStatus {
  return {
    account: account.account || null,
    scope: account.scope,
    connectedAt: new Date(account.connectedAt).toISOString(),
    accessTokenExpiresAt: iso(account.accessExpiresAt),
    lastRefreshAt: iso(account.lastRefreshAt),
    lastRefreshError: account.lastRefreshError,
    refreshTokenIssuedAt: new Date(account.refreshTokenIssuedAt).toISOString(),
    refreshTokenAgeDays: Math.floor((now - account.refreshTokenIssuedAt) / 86_400_000),
    reauthRequired: account.reauth !== null,
    reauthReason: account.reauth?.reason ?? null,
  };
}

export function statusRoutes(
  deps: Pick<AppDeps, 'mailSettings' | 'oauth' | 'deliveryLog' | 'fleet' | 'outbox' | 'policy' | 'retention' | 'delivery' | 'releases' | 'feedOptions' | 'now'>,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/status', async (c) => {
    const now = (deps.now ?? Date.now)();
    const outbox = await deps.outbox.stats(now);
    const [delay, account, counts, stoppedReporting] = await Promise.all([
      deliveryDelay(deps, deps.delivery, now, outbox),
      deps.oauth.account(),
      deps.fleet.counts(),
      deps.fleet.stoppedReporting(now - deps.retention.deviceStaleMs),
    ]);
    const settings = deps.mailSettings.get();
    const delivery = deps.deliveryLog.get();
    const answer: StatusAnswer = {
      apiVersion: API_VERSION,
      mail: settings
        ? {
            configured: true,
            transport: settings.transport,
            destination: mailDestination(settings),
            host: settings.host,
            port: settings.port,
            emailType: settings.emailType,
            authType: settings.authType,
            oauthGrant: settings.oauthGrant,
            provider: settings.provider,
            senderAddress: settings.senderAddress,
          }
        : { configured: false },
      oauth: account ? oauthStatus(account, now) : null,
      fleet: {
        counts,
        stoppedReporting,
        outbox,
      },
      alertRecipients: deps.policy.get().recipients.length,
      releaseData: releaseDataStatus(deps.releases, deps.feedOptions.maxAgeMs, now),
      admin: { name: c.get('principal')!.name, role: c.get('principal')!.role },
      delivery: {
        lastDeliveredAt: iso(delivery.lastDeliveredAt),
        lastFailure: delivery.lastFailure ? { code: delivery.lastFailure.code, at: new Date(delivery.lastFailure.at).toISOString() } : null,
        delayed: delay ? { since: new Date(delay.since).toISOString(), code: delay.code, detail: delay.detail, ...englishText(delay.code) } : null,
      },
    };
    return c.json(answer);
  });
  return routes;
}

/** A code's English message and hint from the error table; a code a stored error carries that the table lacks reads as INTERNAL's. */
function englishText(code: string): { message: string; hint: string } {
  const text = (relayErrors as Record<string, ErrorText>)[code] ?? relayErrors.INTERNAL;
  return { message: text.message, hint: text.hint };
}
