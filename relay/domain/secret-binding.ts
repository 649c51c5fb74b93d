import type { MailSettings, MailSettingsParsed, SecretField } from '../../shared/mail-settings';

/**
 * Each stored secret is bound to where it is sent: the password to the mail server, the client secret to the token
 * URL, the proxy password to the proxy. When that destination changes and the secret is not given again, the stored
 * one must never follow: if the new settings use it, it must be entered again (`reenter`); if they do not (basic
 * authentication switched to OAuth), it is forgotten (`forget`), so a later switch back cannot send it to the new place.
 */
const BINDINGS: { secret: SecretField; destination: (keyof MailSettings)[]; usedBy: (s: MailSettingsParsed) => boolean }[] = [
  { secret: 'password', destination: ['host', 'port'], usedBy: (s) => s.authType === 'basic' && s.requiresAuth },
  { secret: 'clientSecret', destination: ['tokenUrl'], usedBy: (s) => s.authType === 'oauth' && s.clientAuthMethod !== 'private_key_jwt' },
  { secret: 'clientPrivateKey', destination: ['tokenUrl'], usedBy: (s) => s.authType === 'oauth' && s.clientAuthMethod === 'private_key_jwt' },
  { secret: 'proxyPassword', destination: ['proxyUrl'], usedBy: (s) => s.authType === 'oauth' && s.proxyUrl !== '' },
];

export interface MovedSecret {
  field: SecretField;
  /** The destination field that changed. */
  moved: keyof MailSettings;
  action: 'reenter' | 'forget';
}

export function movedSecrets(before: MailSettings | null, input: MailSettingsParsed, stored: Partial<Record<SecretField, boolean>>): MovedSecret[] {
  if (!before) return [];
  return BINDINGS.flatMap(({ secret, destination, usedBy }) => {
    if (!stored[secret] || input[secret] !== undefined) return [];
    const moved = destination.find((field) => before[field] !== input[field]);
    return moved ? [{ field: secret, moved, action: usedBy(input) ? 'reenter' : 'forget' } as const] : [];
  });
}
