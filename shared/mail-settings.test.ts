import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MailSettingsInput } from './mail-settings';

const valid = {
  authType: 'oauth',
  host: 'smtp.office365.com',
  port: 587,
  emailType: 'smtp',
  tls: true,
  senderAddress: 'alerts@contoso.com',
  clientId: 'id',
  authorizationUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize',
  tokenUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token',
  scope: 'https://outlook.office.com/SMTP.Send offline_access',
};

const fieldsAtFault = (input: unknown) => {
  const result = v.safeParse(MailSettingsInput, input);
  return result.success ? [] : result.issues.map((i) => v.getDotPath(i));
};

describe('MailSettingsInput', () => {
  it('accepts the Microsoft 365 OAuth settings and fills the optional fields', () => {
    const result = v.parse(MailSettingsInput, valid);
    expect(result).toMatchObject({ requiresAuth: false, username: '', allowInsecureAuth: false, proxyUrl: '', testAddress: '' });
    expect(result.password).toBeUndefined();
  });

  it('trims text the admin pasted', () => {
    expect(v.parse(MailSettingsInput, { ...valid, host: '  smtp.office365.com ' }).host).toBe('smtp.office365.com');
  });

  it.each([
    [{ authorizationUrl: '' }, 'authorizationUrl'],
    [{ tokenUrl: '' }, 'tokenUrl'],
    [{ scope: '' }, 'scope'],
    [{ tls: false }, 'tls'],
    [{ host: 'smtp.office365.com:587' }, 'host'],
    [{ senderName: 'A\nB' }, 'senderName'],
  ])('refuses %j at %s', (change, field) => {
    expect(fieldsAtFault({ ...valid, ...change })).toEqual([field]);
  });

  it('accepts http:// endpoints only on loopback', () => {
    expect(fieldsAtFault({ ...valid, tokenUrl: 'http://127.0.0.1:9000/token' })).toEqual([]);
    expect(fieldsAtFault({ ...valid, tokenUrl: 'http://localhost:9000/token' })).toEqual([]);
    expect(fieldsAtFault({ ...valid, tokenUrl: 'http://10.0.0.1/token' })).toEqual(['tokenUrl']);
  });

  it('accepts SMTPS without the TLS flag, since it is always encrypted', () => {
    expect(fieldsAtFault({ ...valid, emailType: 'smtps', port: 465, tls: false })).toEqual([]);
  });
});
