import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MailSettingsInput } from './mail-settings';
import { presetFields, sendingLimits } from './presets';

describe('presets', () => {
  it('fills Microsoft 365 with the tenant in both endpoints and offline_access in the scope', () => {
    const fields = presetFields('microsoft', 'contoso.onmicrosoft.com');
    expect(fields).toMatchObject({
      host: 'smtp.office365.com',
      port: 587,
      emailType: 'smtp',
      tls: true,
      authorizationUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    });
    expect(fields.scope).toContain('offline_access');
    expect(sendingLimits({ transport: 'smtp', provider: 'microsoft' })).toEqual({ maxConnections: 3, messagesPerMinute: 30 });
  });

  it('fills Google with the full mail scope and the parameters that make it return a refresh token', () => {
    expect(presetFields('google')).toMatchObject({
      host: 'smtp.gmail.com',
      port: 465,
      emailType: 'smtps',
      scope: 'https://mail.google.com/ openid email',
      authorizeParams: 'access_type=offline&prompt=consent',
    });
  });

  it.each(['google', 'microsoft'] as const)('yields settings the shared schema accepts (%s)', (id) => {
    const result = v.safeParse(MailSettingsInput, {
      ...presetFields(id, 'contoso.com'),
      provider: id,
      authType: 'oauth',
      clientId: 'x',
      senderAddress: 'a@contoso.com',
    });
    expect(result.issues).toBeUndefined();
  });

  it.each([
    ['graph', 'authorization_code', 'https://graph.microsoft.com/Mail.Send openid email offline_access'],
    ['graph', 'client_credentials', 'https://graph.microsoft.com/.default'],
    ['smtp', 'client_credentials', 'https://outlook.office365.com/.default'],
  ] as const)('fills Microsoft 365 %s with the %s grant and its scope, and the schema accepts it', (transport, grant, scope) => {
    const fields = presetFields('microsoft', 'contoso.com', transport, grant);
    expect(fields.scope).toBe(scope);
    expect(fields.tokenUrl).toBe('https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token');
    if (grant === 'client_credentials') expect(fields.authorizationUrl).toBe('');
    if (transport === 'graph') expect(fields).toMatchObject({ apiUrl: 'https://graph.microsoft.com/v1.0', host: '' });
    const result = v.safeParse(MailSettingsInput, { ...fields, provider: 'microsoft', authType: 'oauth', clientId: 'x', senderAddress: 'a@contoso.com' });
    expect(result.issues).toBeUndefined();
  });

  it('fills the Gmail API with gmail.send, and refuses it app-only or with a password', () => {
    const fields = presetFields('google', '', 'gmail-api');
    expect(fields).toMatchObject({
      apiUrl: 'https://gmail.googleapis.com',
      scope: 'https://www.googleapis.com/auth/gmail.send openid email',
      authorizeParams: 'access_type=offline&prompt=consent',
    });
    const input = { ...fields, provider: 'google', authType: 'oauth', clientId: 'x', senderAddress: 'a@b.co' };
    expect(v.safeParse(MailSettingsInput, input).issues).toBeUndefined();
    expect(v.safeParse(MailSettingsInput, { ...input, oauthGrant: 'client_credentials' }).issues?.map((i) => v.getDotPath(i))).toEqual(['oauthGrant']);
    expect(v.safeParse(MailSettingsInput, { ...input, authType: 'basic' }).issues?.map((i) => v.getDotPath(i))).toEqual(['authType']);
    expect(sendingLimits({ transport: 'gmail-api', provider: 'google' })).toEqual({ maxConnections: 5, messagesPerMinute: 150 });
  });

  it('asks for a server name only for SMTP, and an API URL only for the APIs', () => {
    const base = {
      provider: 'microsoft',
      authType: 'oauth',
      clientId: 'x',
      senderAddress: 'a@contoso.com',
      tokenUrl: 'https://login.example/token',
      authorizationUrl: 'https://login.example/auth',
      scope: 's',
    };
    expect(v.safeParse(MailSettingsInput, { ...base, transport: 'smtp' }).issues?.map((i) => v.getDotPath(i))).toEqual(['host']);
    expect(v.safeParse(MailSettingsInput, { ...base, transport: 'graph' }).issues?.map((i) => v.getDotPath(i))).toEqual(['apiUrl']);
  });

  it("refuses authorize parameters that would override the relay's own", () => {
    const result = v.safeParse(MailSettingsInput, {
      ...presetFields('google'),
      authType: 'oauth',
      clientId: 'x',
      senderAddress: 'a@b.co',
      authorizeParams: 'state=evil',
    });
    expect(result.issues?.map((i) => v.getDotPath(i))).toEqual(['authorizeParams']);
  });
});
