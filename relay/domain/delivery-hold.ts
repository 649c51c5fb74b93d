import type { ErrorCode } from '../../shared/errors';
import { needsConsent, type MailSettings } from '../../shared/mail-settings';

/**
 * What keeps every alert waiting, before any is tried: nothing to send with, nobody to send to, or an account that is
 * not connected or must be re-authorized. Alerts wait for an admin then; they are neither tried nor failed. The outbox
 * worker asks before claiming a batch, the status and `/readyz` to say why mail is delayed.
 */
type Account = { reauth: { reason: string } | null } | null;

export async function deliveryHold(input: {
  settings: Pick<MailSettings, 'authType' | 'oauthGrant'> | null;
  recipients: number;
  /** Asked only when the settings need an account: most passes of the worker have none to read. */
  account: () => Account | Promise<Account>;
}): Promise<{ code: ErrorCode; detail: string | null } | null> {
  if (!input.settings) return { code: 'MAIL_NOT_CONFIGURED', detail: null };
  if (input.recipients === 0) return { code: 'ALERT_RECIPIENTS_MISSING', detail: null };
  if (!needsConsent(input.settings)) return null;
  const account = await input.account();
  if (!account) return { code: 'OAUTH_NOT_CONNECTED', detail: null };
  return account.reauth ? { code: 'OAUTH_REAUTH_REQUIRED', detail: account.reauth.reason } : null;
}
