import { describe, expect, it } from 'vitest';
import type { MailSettings, MailSettingsParsed } from '../../shared/mail-settings';
import { movedSecrets } from './secret-binding';

const before = { authType: 'oauth', requiresAuth: true, host: 'smtp.example.com', port: 587, tokenUrl: 'https://login.example.com/token', proxyUrl: 'https://proxy.example.com:3128/' } as MailSettings;
const stored = { password: true, clientSecret: true, proxyPassword: true };

describe('movedSecrets', () => {
  it('asks for each stored secret the new settings use whose destination changed, and forgets the others', () => {
    const input = { ...before, host: 'mail.evil.example', tokenUrl: 'https://evil.example/token', proxyUrl: 'https://proxy.evil.example/' } as MailSettingsParsed;
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
});
