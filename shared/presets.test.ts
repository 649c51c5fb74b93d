import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MailSettingsInput } from './mail-settings';
import { PRESETS, presetFields } from './presets';

describe('presets', () => {
  it('fills Microsoft 365 with the tenant in both endpoints and offline_access in the scope', () => {
    const fields = presetFields('microsoft', 'contoso.onmicrosoft.com');
    expect(fields).toMatchObject({
      host: 'smtp.office365.com', port: 587, emailType: 'smtp', tls: true,
      authorizationUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    });
    expect(fields.scope).toContain('offline_access');
    expect(PRESETS.microsoft.maxConnections).toBe(3);
  });

  it("fills Google with the full mail scope and the parameters that make it return a refresh token", () => {
    expect(presetFields('google')).toMatchObject({ host: 'smtp.gmail.com', port: 465, emailType: 'smtps', scope: 'https://mail.google.com/ openid email', authorizeParams: 'access_type=offline&prompt=consent' });
  });

  it.each(['google', 'microsoft'] as const)('yields settings the shared schema accepts (%s)', (id) => {
    const result = v.safeParse(MailSettingsInput, { ...presetFields(id, 'contoso.com'), provider: id, authType: 'oauth', clientId: 'x', senderAddress: 'a@contoso.com' });
    expect(result.issues).toBeUndefined();
  });

  it('refuses authorize parameters that would override the relay\'s own', () => {
    const result = v.safeParse(MailSettingsInput, { ...presetFields('google'), authType: 'oauth', clientId: 'x', senderAddress: 'a@b.co', authorizeParams: 'state=evil' });
    expect(result.issues?.map((i) => v.getDotPath(i))).toEqual(['authorizeParams']);
  });
});
