import type { MailSettings, MailSettingsParsed, SecretField } from '../../shared/mail-settings';

/**
 * Where mail goes, and with it the password or a bearer token: the transport, the SMTP server and how its channel is
 * protected (SMTPS or STARTTLS, TLS required, a password allowed in the clear, the CA trusted), or the API. A stolen
 * admin token that moves any of them, with `tls: false, allowInsecureAuth: true` say, would otherwise hand the next
 * test mail's password or live access token to a server of its choosing.
 */
export const MAIL_DESTINATION = [
  'transport',
  'host',
  'port',
  'emailType',
  'tls',
  'allowInsecureAuth',
  'caCertificate',
  'apiUrl',
] as const satisfies readonly (keyof MailSettings)[];

/** App-only (client credentials): the client secret or key fetches the tokens sent with the mail, so it goes where they go. */
const appOnly = (s: MailSettingsParsed) => s.authType === 'oauth' && s.oauthGrant === 'client_credentials';

/**
 * Each stored secret is bound to where it is sent: the password to the mail server and its channel, the client secret
 * to the token URL (and, for app-only access, to where its tokens are sent), the proxy password to the proxy. When that
 * destination changes and the secret is not given again, the stored one must never follow: if the new settings use
 * it, it must be entered again (`reenter`); if they do not (basic authentication switched to OAuth), it is forgotten
 * (`forget`), so a later switch back cannot send it to the new place.
 */
const BINDINGS: { secret: SecretField; destination: (s: MailSettingsParsed) => readonly (keyof MailSettings)[]; usedBy: (s: MailSettingsParsed) => boolean }[] =
  [
    { secret: 'password', destination: () => MAIL_DESTINATION, usedBy: (s) => s.authType === 'basic' && s.requiresAuth },
    {
      secret: 'clientSecret',
      destination: (s) => ['tokenUrl', ...(appOnly(s) ? MAIL_DESTINATION : [])],
      usedBy: (s) => s.authType === 'oauth' && s.clientAuthMethod !== 'private_key_jwt',
    },
    {
      secret: 'clientPrivateKey',
      destination: (s) => ['tokenUrl', ...(appOnly(s) ? MAIL_DESTINATION : [])],
      usedBy: (s) => s.authType === 'oauth' && s.clientAuthMethod === 'private_key_jwt',
    },
    { secret: 'proxyPassword', destination: () => ['proxyUrl'], usedBy: (s) => s.authType === 'oauth' && s.proxyUrl !== '' },
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
    const moved = destination(input).find((field) => before[field] !== input[field]);
    return moved ? [{ field: secret, moved, action: usedBy(input) ? 'reenter' : 'forget' } as const] : [];
  });
}
