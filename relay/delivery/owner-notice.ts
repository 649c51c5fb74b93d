import { randomUUID } from 'node:crypto';
import { isEmailEntry } from '../../shared/identity';
import type { Logger } from '../log';
import type { ApiTokens } from '../storage/api-tokens';
import type { IdentityStore } from '../storage/identity';
import type { MailSettingsStore } from '../storage/settings';
import { messageIdFor, type MailSender } from './mail-sender';

/** Owners who signed in within this long are told, besides those the identity settings list by address. */
const RECENT_OWNERS_MS = 90 * 86_400_000;
const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>",;]{1,64}@[^\s@<>",;]{1,253}$/;

/** A change owners are told of by mail: what happened, in one subject line of the relay's own words, and the facts. */
export interface OwnerNotice {
  subject: string;
  lines: string[];
}

/**
 * Tells the owners, by mail, that access changed (a token made or revoked, an admin's role changed), so that a change
 * nobody expected is noticed. The audit log keeps the record; this mail is its echo, sent once, on a connection of its
 * own, and only logged when it cannot go (no mail settings yet, no owner address known, the server refusing).
 */
export function ownerNotices(deps: { sender: MailSender; mailSettings: MailSettingsStore; identity: IdentityStore; apiTokens: ApiTokens; logger: Logger }) {
  return (notice: OwnerNotice, now = Date.now()): void => {
    void (async () => {
      const settings = deps.mailSettings.get();
      if (!settings) return;
      const listed = (await deps.identity.config())?.owners.filter(isEmailEntry) ?? [];
      const recent = await deps.apiTokens.ownerNames(now - RECENT_OWNERS_MS);
      const to = [...new Set([...listed, ...recent].map((a) => a.toLowerCase()))].filter((a) => ADDRESS.test(a)).slice(0, MAX_RECIPIENTS);
      if (to.length === 0) {
        deps.logger.info({ subject: notice.subject }, 'no owner has an address the relay knows: the change is in the audit log only');
        return;
      }
      await deps.sender.send({
        from: { name: settings.senderName, address: settings.senderAddress },
        to,
        subject: `Guardmail: ${notice.subject}`,
        messageId: messageIdFor('owners', randomUUID(), settings.senderAddress),
        text: `${notice.lines.join('\n')}\n\nThe relay's audit log has the details (who, when, from which address).\n`,
      });
    })().catch((err: unknown) => deps.logger.warn({ err, subject: notice.subject }, 'owners could not be told of an access change by mail'));
  };
}
export type NotifyOwners = ReturnType<typeof ownerNotices>;
