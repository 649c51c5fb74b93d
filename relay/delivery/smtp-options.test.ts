import { describe, expect, it } from 'vitest';
import type { MailSettings } from '../../shared/mail-settings';
import { smtpOptions } from './smtp-options';

const base: MailSettings = {
  transport: 'smtp',
  oauthGrant: 'authorization_code',
  apiUrl: '',
  clientCertificate: '',
  authType: 'basic',
  host: 'smtp.example.com',
  port: 587,
  emailType: 'smtp',
  tls: true,
  senderName: '',
  senderAddress: 'a@example.com',
  testAddress: '',
  requiresAuth: true,
  username: 'a@example.com',
  allowInsecureAuth: false,
  allowInsecureProxyAuth: false,
  caCertificate: '',
  clientId: '',
  authorizationUrl: '',
  tokenUrl: '',
  scope: '',
  proxyUrl: '',
  proxyUsername: '',
  provider: 'custom',
  tenant: '',
  authorizeParams: '',
  clientAuthMethod: 'client_secret_basic',
};

describe('smtpOptions', () => {
  it('requires STARTTLS for SMTP with TLS, verifying the certificate for the server name', () => {
    const o = smtpOptions(base, { password: 'pw' });
    expect(o).toMatchObject({ secure: false, requireTLS: true, auth: { user: 'a@example.com', pass: 'pw' } });
    expect(o.tls).toEqual({ rejectUnauthorized: true, minVersion: 'TLSv1.2', servername: 'smtp.example.com' });
  });

  it('speaks TLS from the first byte for SMTPS, with the custom CA', () => {
    const o = smtpOptions({ ...base, emailType: 'smtps', port: 465, tls: false, caCertificate: 'PEM' }, { password: 'pw' });
    expect(o).toMatchObject({ secure: true, requireTLS: false, tls: { ca: 'PEM', rejectUnauthorized: true } });
  });

  it('sends no credentials on plain SMTP unless insecure authentication is allowed', () => {
    expect(smtpOptions({ ...base, tls: false }, { password: 'pw' }).auth).toBeUndefined();
    expect(smtpOptions({ ...base, tls: false, allowInsecureAuth: true }, { password: 'pw' }).auth).toEqual({ user: 'a@example.com', pass: 'pw' });
  });

  it('does not set a TLS server name for an IP address (RFC 6066 forbids it)', () => {
    expect(smtpOptions({ ...base, host: '10.0.0.5' }, {}).tls).not.toHaveProperty('servername');
  });

  it('never lets message content read files or URLs', () => {
    expect(smtpOptions(base, {})).toMatchObject({ disableFileAccess: true, disableUrlAccess: true });
  });
});
