import type { StatusAnswer } from '../../shared/api';
import { needsConsent } from '../../shared/mail-settings';
import type { Params } from '../../shared/locales/lang';

export type TabId = 'status' | 'mail' | 'alerts' | 'extensions' | 'fleet';

export type AttentionKind =
  'mail-not-configured' | 'not-connected' | 'reauth' | 'no-recipients' | 'failed-alerts' | 'vulnerable' | 'stopped-reporting' | 'release-stale';

/** One thing an admin should act on, and the tab where it is done. */
export interface Attention {
  kind: AttentionKind;
  tab: TabId;
  /** Filled into the item's text: a count or the reason the provider gave. */
  /** What its text fills in. */
  params?: Params;
}

/**
 * What needs the admin, most urgent first: mail that cannot go out, then alerts that cannot, then the fleet. A delayed
 * delivery is not listed: the status view shows it with the error's fix.
 */
export function needsAttention(status: StatusAnswer): Attention[] {
  const items: Attention[] = [];
  const { mail, oauth, fleet } = status;
  if (!mail.configured) items.push({ kind: 'mail-not-configured', tab: 'mail' });
  else if (needsConsent(mail) && !oauth) items.push({ kind: 'not-connected', tab: 'status' });
  if (oauth?.reauthRequired) items.push({ kind: 'reauth', tab: 'status', params: { reason: oauth.reauthReason ?? '' } });
  if (status.alertRecipients === 0) items.push({ kind: 'no-recipients', tab: 'alerts' });
  if (fleet.outbox.failed > 0) items.push({ kind: 'failed-alerts', tab: 'fleet', params: { count: fleet.outbox.failed } });
  const vulnerable = fleet.counts.very_high + fleet.counts.high;
  if (vulnerable > 0) items.push({ kind: 'vulnerable', tab: 'fleet', params: { count: vulnerable } });
  if (fleet.stoppedReporting > 0) items.push({ kind: 'stopped-reporting', tab: 'fleet', params: { count: fleet.stoppedReporting } });
  if (status.releaseData.stale) items.push({ kind: 'release-stale', tab: 'fleet' });
  return items;
}
