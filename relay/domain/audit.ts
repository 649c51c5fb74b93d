import { SECRET_FIELDS, type MailSettings, type MailSettingsParsed } from '../../shared/mail-settings';

/**
 * What a mail-settings save changed, for the audit log: plain fields with their old and new values, secrets only as
 * "set", "replaced" or "cleared". A secret's value never enters the result.
 */
export function mailSettingsChanges(before: MailSettings | null, after: MailSettingsParsed, secretsBefore: Record<string, boolean>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if ((SECRET_FIELDS as readonly string[]).includes(key)) continue;
    const old = before?.[key as keyof MailSettings];
    // A CA certificate is long and public; the log says only that it changed.
    if (key === 'caCertificate') {
      if ((old ?? '') !== value) changes[key] = value ? 'changed' : 'removed';
    } else if (old !== value) changes[key] = { from: old ?? null, to: value };
  }
  for (const secret of SECRET_FIELDS) {
    const value = after[secret];
    if (value === null && secretsBefore[secret]) changes[secret] = 'cleared';
    else if (typeof value === 'string') changes[secret] = secretsBefore[secret] ? 'replaced' : 'set';
  }
  return changes;
}

/** What an alert-policy save changed, field by field (the policy holds no secret). */
export function policyChanges(before: object, after: object): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = (before as Record<string, unknown>)[key];
    if (JSON.stringify(old) !== JSON.stringify(value)) changes[key] = { from: old ?? null, to: value };
  }
  return changes;
}
