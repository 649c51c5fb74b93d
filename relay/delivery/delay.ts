import type { ErrorCode } from '../../shared/errors';
import { deliveryHold } from '../domain/delivery-hold';
import type { DeliveryTimes } from '../domain/retry';
import type { OAuthStore } from '../storage/oauth';
import type { OutboxStats, OutboxStore } from '../storage/outbox';
import type { MailSettingsStore, PolicyStore } from '../storage/settings';

/** Alert mail that should have gone out and has not: since when, and the error an admin can act on. */
export interface DeliveryDelay {
  since: number;
  code: string;
  detail: string | null;
}

export interface DelayStores {
  outbox: OutboxStore;
  mailSettings: MailSettingsStore;
  policy: PolicyStore;
  oauth: OAuthStore;
}

/**
 * Delivery is delayed when an alert has been due longer than `times.delayedAfterMs`. The reason is what keeps every
 * alert waiting (nothing to send with, nobody to send to, an account to re-authorize), or else the error the oldest
 * waiting alert last met.
 */
export async function deliveryDelay(stores: DelayStores, times: DeliveryTimes, now: number, stats?: OutboxStats): Promise<DeliveryDelay | null> {
  const { oldestDueAgeSeconds } = stats ?? (await stores.outbox.stats(now));
  if (oldestDueAgeSeconds === null || oldestDueAgeSeconds * 1000 < times.delayedAfterMs) return null;
  const since = now - oldestDueAgeSeconds * 1000;
  const held = await heldBy(stores);
  if (held) return { since, ...held };
  const last = await stores.outbox.waitingError();
  if (!last) return { since, code: 'SMTP_FAILED', detail: null };
  const colon = last.indexOf(': ');
  return colon < 0 ? { since, code: last, detail: null } : { since, code: last.slice(0, colon), detail: last.slice(colon + 2) };
}

function heldBy(stores: DelayStores): Promise<{ code: ErrorCode; detail: string | null } | null> {
  return deliveryHold({ settings: stores.mailSettings.get(), recipients: stores.policy.get().recipients.length, account: () => stores.oauth.account() });
}
