import { describe, expect, it } from 'vitest';
import { classifySmtpError, type SmtpErrorLike } from './smtp-errors';

const auth = (response: string): SmtpErrorLike => ({ code: 'EAUTH', command: 'AUTH PLAIN', response, responseCode: Number(response.slice(0, 3)) });

const smtp = { authType: 'basic' } as const;
const smtps = { authType: 'basic' } as const;

describe('classifySmtpError', () => {
  it.each([
    [
      '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled',
      'SMTP_AUTH_DISABLED_FOR_TENANT',
    ],
    ['535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BN0PR04CA0000.namprd04.prod.outlook.com]', 'SMTP_BASIC_AUTH_RETIRED'],
    ['550 5.7.30 Basic authentication is not supported for Client Submission.', 'SMTP_BASIC_AUTH_RETIRED'],
    [
      '534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor',
      'SMTP_APP_PASSWORD_REQUIRED',
    ],
    [
      '535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials',
      'SMTP_AUTH_FAILED',
    ],
    ['535 5.7.3 Authentication unsuccessful', 'SMTP_AUTH_FAILED'],
  ])('maps the provider answer %j to %s, keeping the answer verbatim', (response, code) => {
    const failure = classifySmtpError(auth(response), { authType: 'basic' });
    expect(failure).toEqual({ code, temporary: false, serverResponse: response });
  });

  it('says only that no mail server answered, whether nothing listened, nothing answered, or another protocol did', () => {
    const unreachable = [
      { code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:25' },
      { code: 'EDNS', originalCode: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND intranet.example' },
      { code: 'ETIMEDOUT', timeoutType: 'CONNECT_TIMEOUT', message: 'Connection timeout' },
      { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', message: 'Greeting never received' },
      { code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'tls_validate_record_header:wrong version number' },
      { code: 'EPROTOCOL', command: 'CONN', response: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', message: 'Unexpected Response' },
    ];
    for (const err of unreachable) {
      for (const attempt of [smtp, smtps]) expect(classifySmtpError(err, attempt), JSON.stringify(err)).toEqual({ code: 'SMTP_UNREACHABLE', temporary: true });
    }
    // A mail server that answers is one: what it says is its own, and useful.
    expect(
      classifySmtpError({ code: 'EPROTOCOL', command: 'CONN', response: '554 5.3.2 mail.example.com not accepting mail', responseCode: 554 }, smtp).code,
    ).toBe('SMTP_FAILED');
  });

  it('names the host a mismatched certificate is for', () => {
    const failure = classifySmtpError(
      {
        code: 'ESOCKET',
        originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID',
        message: "Hostname/IP does not match certificate's altnames",
        cert: { subjectaltname: 'DNS:mail.example.net' },
      },
      smtps,
    );
    expect(failure).toEqual({ code: 'SMTP_CERT_HOSTNAME_MISMATCH', temporary: false, detail: 'the certificate is for DNS:mail.example.net' });
  });

  it.each([
    [{ code: 'ESOCKET', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'SMTP_CERT_UNTRUSTED', false],
    [{ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED' }, 'SMTP_CERT_UNTRUSTED', false],
    [{ code: 'ETLS', command: 'STARTTLS', response: '502 5.5.2 Error: command not recognized' }, 'SMTP_STARTTLS_UNAVAILABLE', false],
    [{ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT', command: 'CONN' }, 'SMTP_TIMEOUT', true],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'SMTP_CONNECTION_LOST', true],
    [
      { code: 'EENVELOPE', command: 'MAIL FROM', response: '550 5.7.60 SMTP; Client does not have permissions to send as this sender', responseCode: 550 },
      'SMTP_SEND_AS_DENIED',
      false,
    ],
    [
      { code: 'EENVELOPE', command: 'MAIL FROM', response: '550 5.2.252 Sender throttled due to continuous send as denied errors.', responseCode: 550 },
      'SMTP_SENDER_THROTTLED',
      true,
    ],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', response: '550 5.1.8 Access denied, bad outbound sender', responseCode: 550 }, 'SMTP_SENDER_REJECTED', false],
    [
      { code: 'EAUTH', command: 'AUTH GUARDMAIL-XOAUTH2', message: 'the server offers AUTH PLAIN LOGIN, not XOAUTH2', xoauth2NotOffered: true },
      'SMTP_XOAUTH2_NOT_OFFERED',
      false,
    ],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '550 5.1.1 User unknown', responseCode: 550 }, 'SMTP_RECIPIENT_REJECTED', false],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '451 4.7.1 Greylisted', responseCode: 451 }, 'SMTP_TEMPORARY_FAILURE', true],
    [{ code: 'ECONNECTION', response: '432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded', responseCode: 432 }, 'SMTP_CONCURRENT_LIMIT', true],
    [
      { code: 'EPROTOCOL', response: '421 4.3.2 mail.example.com Service not available, closing transmission channel', responseCode: 421 },
      'SMTP_TEMPORARY_FAILURE',
      true,
    ],
    [{ code: 'EMESSAGE', command: 'DATA', response: '554 5.6.0 Message rejected', responseCode: 554 }, 'SMTP_MESSAGE_REJECTED', false],
    [{ code: 'EMESSAGE', command: 'DATA', response: '552 5.3.4 Message size exceeds fixed limit', responseCode: 552 }, 'SMTP_MESSAGE_TOO_LARGE', false],
    [{ message: 'something new' }, 'SMTP_FAILED', true],
  ] as [SmtpErrorLike, string, boolean][])('classifies %j as %s (temporary: %s)', (err, code, temporary) => {
    const failure = classifySmtpError(err, smtp);
    expect(failure.code).toBe(code);
    expect(failure.temporary).toBe(temporary);
  });

  it('decodes what Gmail says when it refuses a token without the mail scope', () => {
    const err = {
      ...auth('535-5.7.8 Username and Password not accepted.'),
      xoauth2Challenge: { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' },
    };
    const failure = classifySmtpError(err, { authType: 'oauth' });
    expect(failure.code).toBe('SMTP_XOAUTH2_SCOPE_MISSING');
    expect(failure.detail).toContain('https://mail.google.com/');
  });

  it('keeps the Microsoft tenant answer for OAuth, where basic-auth retirement cannot be the cause', () => {
    const tenant = auth('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.');
    expect(classifySmtpError(tenant, { authType: 'oauth' }).code).toBe('SMTP_AUTH_DISABLED_FOR_TENANT');
    expect(classifySmtpError(auth('535 5.7.3 Authentication unsuccessful'), { authType: 'oauth' }).code).toBe('SMTP_XOAUTH2_REJECTED');
  });

  it('names the missing Exchange steps when Microsoft refuses an app-only token with 535 5.7.3', () => {
    const app = { authType: 'oauth', oauthGrant: 'client_credentials' } as const;
    expect(classifySmtpError(auth('535 5.7.3 Authentication unsuccessful [Hostname=x]'), app).code).toBe('SMTP_APP_ONLY_NOT_PERMITTED');
    expect(classifySmtpError(auth('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'), app).code).toBe(
      'SMTP_AUTH_DISABLED_FOR_TENANT',
    );
  });
});
