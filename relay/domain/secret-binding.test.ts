import { describe, expect, it } from 'vitest';
import type { MailSettings, MailSettingsParsed } from '../../shared/mail-settings';
import { movedSecrets } from './secret-binding';

const before = {
  authType: 'oauth',
  requiresAuth: true,
  host: 'smtp.example.com',
  port: 587,
  tokenUrl: 'https://login.example.com/token',
  proxyUrl: 'https://proxy.example.com:3128/',
} as MailSettings;
const stored = { password: true, clientSecret: true, proxyPassword: true };

describe('movedSecrets', () => {
  it('asks for each stored secret the new settings use whose destination changed, and forgets the others', () => {
    const input = {
      ...before,
      host: 'mail.evil.example',
      tokenUrl: 'https://evil.example/token',
      proxyUrl: 'https://proxy.evil.example/',
    } as MailSettingsParsed;
    expect(movedSecrets(before, input, stored)).toEqual([
      { field: 'password', moved: 'host', action: 'forget' },
      { field: 'clientSecret', moved: 'tokenUrl', action: 'reenter' },
      { field: 'proxyPassword', moved: 'proxyUrl', action: 'reenter' },
    ]);
    const basic = { ...before, authType: 'basic', port: 465 } as MailSettingsParsed;
    expect(movedSecrets(before, basic, stored)).toEqual([{ field: 'password', moved: 'port', action: 'reenter' }]);
  });

  it('lets the destination move when the secret comes with it, or when none is stored, and keeps secrets when nothing moved', () => {
    expect(movedSecrets(before, { ...before, host: 'new.example.com', password: 'new' } as MailSettingsParsed, stored)).toEqual([]);
    expect(movedSecrets(before, { ...before, host: 'new.example.com' } as MailSettingsParsed, { ...stored, password: false })).toEqual([]);
    expect(movedSecrets(before, { ...before, senderName: 'Other' } as MailSettingsParsed, stored)).toEqual([]);
    expect(movedSecrets(null, { ...before } as MailSettingsParsed, stored)).toEqual([]);
  });

  it("binds the password to the channel's protection, and an app-only client secret to where its tokens are sent", () => {
    const basic = { ...before, authType: 'basic', tls: true, allowInsecureAuth: false, caCertificate: '' } as MailSettings;
    for (const change of [{ tls: false }, { allowInsecureAuth: true }, { caCertificate: 'PEM' }, { emailType: 'smtps' }] as const) {
      expect(
        movedSecrets(basic, { ...basic, ...change } as MailSettingsParsed, stored).find((m) => m.field === 'password'),
        JSON.stringify(change),
      ).toMatchObject({ action: 'reenter' });
    }
    const appOnly = { ...before, oauthGrant: 'client_credentials', transport: 'graph', apiUrl: 'https://graph.microsoft.com' } as MailSettings;
    expect(movedSecrets(appOnly, { ...appOnly, apiUrl: 'https://graph.attacker.example' } as MailSettingsParsed, stored)).toContainEqual({
      field: 'clientSecret',
      moved: 'apiUrl',
      action: 'reenter',
    });
    // A delegated grant's client secret goes only to the token URL: its account is what a moved destination forgets.
    const delegated = { ...appOnly, oauthGrant: 'authorization_code' } as MailSettings;
    expect(
      movedSecrets(delegated, { ...delegated, apiUrl: 'https://graph.attacker.example' } as MailSettingsParsed, stored).find((m) => m.field === 'clientSecret'),
    ).toBeUndefined();
  });
});
