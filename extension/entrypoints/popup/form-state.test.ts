import { describe, expect, it } from 'vitest';
import { applyPreset, emptyForm, toInput, validate } from './form-state';

describe('the mail-server form', () => {
  it('fills Microsoft 365 from its preset, tenant included, and a preset chosen again puts back a field the admin changed', () => {
    const form = applyPreset(emptyForm(), 'microsoft', 'contoso.com');
    expect(form).toMatchObject({ host: 'smtp.office365.com', port: '587', emailType: 'smtp', tls: true, tokenUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token' });
    expect(applyPreset({ ...form, host: 'smtp-eu.office365.com' }, 'microsoft', 'contoso.com').host).toBe('smtp.office365.com');
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
