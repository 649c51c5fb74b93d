import { describe, expect, it } from 'vitest';
import { applyPreset, emptyForm, permissionsHelp, toInput, validate } from './form-state';

describe('the mail-server form', () => {
  it('fills Microsoft 365 from its preset, tenant included, and a preset chosen again puts back a field the admin changed', () => {
    const form = applyPreset(emptyForm(), 'microsoft', { tenant: 'contoso.com' });
    expect(form).toMatchObject({
      host: 'smtp.office365.com',
      port: '587',
      emailType: 'smtp',
      tls: true,
      tokenUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token',
    });
    expect(applyPreset({ ...form, host: 'smtp-eu.office365.com' }, 'microsoft', { tenant: 'contoso.com' }).host).toBe('smtp.office365.com');
  });

  it('switches to Graph app-only with its scope and no authorization URL, and falls back to what a provider offers', () => {
    const graph = applyPreset(applyPreset(emptyForm(), 'microsoft', { tenant: 'contoso.com', transport: 'graph' }), 'microsoft', {
      grant: 'client_credentials',
    });
    expect(graph).toMatchObject({
      transport: 'graph',
      oauthGrant: 'client_credentials',
      authType: 'oauth',
      scope: 'https://graph.microsoft.com/.default',
      authorizationUrl: '',
      apiUrl: 'https://graph.microsoft.com/v1.0',
    });
    expect(permissionsHelp(graph)).toBe('permissionsGraphApp');
    expect(validate({ ...graph, senderAddress: 'a@contoso.com', clientId: 'x' })).toEqual({});
    // Google has no Graph and no app-only grant: SMTP with consent is what it offers.
    expect(applyPreset(graph, 'google')).toMatchObject({
      transport: 'smtp',
      oauthGrant: 'authorization_code',
      host: 'smtp.gmail.com',
      scope: 'https://mail.google.com/ openid email',
    });
  });

  it('omits empty secrets, so the relay keeps the saved ones, and sends the port as a number', () => {
    const input = toInput({ ...emptyForm(), port: '587', password: '', clientSecret: 'new-secret' });
    expect(input).not.toHaveProperty('password');
    expect(input).not.toHaveProperty('proxyPassword');
    expect(input).toMatchObject({ clientSecret: 'new-secret', port: 587 });
  });

  it('validates with the shared schema, field by field', () => {
    const errors = validate({ ...applyPreset(emptyForm(), 'google'), port: '0', senderAddress: 'nope', clientId: '' });
    expect(Object.keys(errors).sort()).toEqual(['clientId', 'port', 'senderAddress']);
    expect(validate({ ...applyPreset(emptyForm(), 'google'), senderAddress: 'a@example.com', clientId: 'x' })).toEqual({});
  });
});
