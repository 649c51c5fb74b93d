import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import type { ApiErrorBody } from '../../shared/errors';
import { MailSettingsInput, type TestMailResult } from '../../shared/mail-settings';
import { basicSettings, createTestRelay, SMTP_PASSWORD, SMTP_USER, type TestRelay } from '../fixtures/relay';
import { startMta, type MtaOptions } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';
import { startGmail } from '../peers/gmail';
import { startMicrosoft365 } from '../peers/microsoft-365';

const USERS = { [SMTP_USER]: SMTP_PASSWORD };

let relay: TestRelay;
const servers: SmtpPeer[] = [];

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function smtp(options: MtaOptions): Promise<SmtpPeer> {
  const server = await startMta(options);
  servers.push(server);
  return server;
}

/** Saves the settings (expecting success) and sends the test mail; answers the status and body. */
async function configureAndTest(settings: Record<string, unknown>, body?: unknown) {
  relay = await createTestRelay();
  const put = await relay.call('PUT', '/api/v1/mail-settings', settings);
  expect(put.status, await put.clone().text()).toBe(200);
  const res = await relay.call('POST', '/api/v1/mail-settings/test', body);
  return { status: res.status, body: (await res.json()) as TestMailResult & ApiErrorBody };
}

describe('test mail over real SMTP', () => {
  it('delivers over STARTTLS with AUTH PLAIN, from the configured sender, with the server reply and a stable Message-ID', async () => {
    const server = await smtp({ tls: 'starttls', users: USERS });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, caCertificate: testPki().caCert }));
    expect(status).toBe(200);
    expect(body.serverResponse).toMatch(/^250 OK: queued as test-1/);
    expect(body.to).toBe('it-team@example.com');
    expect(body.messageId).toMatch(/^<guardmail\.test\.[\w-]+@example\.com>$/);

    expect(server.received).toHaveLength(1);
    const mail = server.received[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('alerts@example.com');
    expect(mail.from).toBe('alerts@example.com');
    expect(mail.to).toEqual(['it-team@example.com']);
    expect(mail.raw).toContain('From: Guardmail Alerts <alerts@example.com>');
    const headers = mail.raw.replace(/\r?\n[ \t]+/g, ' '); // unfold (RFC 5322 §2.2.3)
    expect(headers).toContain(`Message-ID: ${body.messageId}`);
    expect(server.authAttempts).toEqual([{ method: 'PLAIN', username: 'alerts@example.com', secure: true }]);
  });

  it('keeps the Message-ID when the client repeats the request id, so a resend is recognisable', async () => {
    const server = await smtp({ tls: 'starttls', users: USERS });
    relay = await createTestRelay();
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: server.port, caCertificate: testPki().caCert }));
    const send = async () => {
      const res = await relay.call('POST', '/api/v1/mail-settings/test', undefined, { headers: { 'X-Request-Id': 'retry-42' } });
      return ((await res.json()) as TestMailResult).messageId;
    };
    expect(await send()).toBe('<guardmail.test.retry-42@example.com>');
    expect(await send()).toBe('<guardmail.test.retry-42@example.com>');
  });

  it('delivers over SMTPS (implicit TLS) with AUTH LOGIN to a given address', async () => {
    // Only LOGIN is offered: nodemailer would otherwise prefer PLAIN.
    const server = await smtp({ tls: 'implicit', users: USERS, authMethods: ['LOGIN'] });
    const { status } = await configureAndTest(basicSettings({ port: server.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }), {
      to: 'someone@example.org',
    });
    expect(status).toBe(200);
    expect(server.received[0]?.to).toEqual(['someone@example.org']);
    expect(server.received[0]?.secure).toBe(true);
    expect(server.authAttempts).toEqual([{ method: 'LOGIN', username: 'alerts@example.com', secure: true }]);
  });

  it('refuses a wrong password with SMTP_AUTH_FAILED and the server reply', async () => {
    const server = await smtp({ tls: 'starttls', users: USERS });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, caCertificate: testPki().caCert, password: 'wrong' }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_AUTH_FAILED');
    expect(body.error.serverResponse).toBe('535 5.7.8 Error: authentication failed: authentication failure');
    expect(server.received).toHaveLength(0);
  });

  const noTokens = async () => null;
  it.each([
    [
      'Microsoft 365 with SMTP AUTH off for the tenant',
      () => startMicrosoft365({ verifyToken: noTokens, smtpAuthDisabled: true }),
      'smtp',
      /^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant/,
      'SMTP_AUTH_DISABLED_FOR_TENANT',
    ],
    [
      'Microsoft 365 with basic authentication off',
      () => startMicrosoft365({ verifyToken: noTokens }),
      'smtp',
      /^535 5\.7\.139 Authentication unsuccessful, basic authentication is disabled/,
      'SMTP_BASIC_AUTH_RETIRED',
    ],
    [
      'Microsoft 365 once basic authentication is removed for good',
      () => startMicrosoft365({ verifyToken: noTokens, basicAuthRemoved: true }),
      'smtp',
      /^550 5\.7\.30 Basic authentication is not supported for Client Submission/,
      'SMTP_BASIC_AUTH_RETIRED',
    ],
    [
      'Gmail given the account password',
      () => startGmail({ verifyToken: noTokens }),
      'smtps',
      /^534.5\.7\.9 Application-specific password required/,
      'SMTP_APP_PASSWORD_REQUIRED',
    ],
  ] as const)('explains the answer of %s', async (_name, start, emailType, reply, code) => {
    const server = await start();
    servers.push(server);
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, emailType, tls: true, caCertificate: testPki().caCert }));
    expect(status).toBe(502);
    expect(body.error.code).toBe(code);
    expect(body.error.serverResponse).toMatch(reply);
    expect(body.error.hint.length).toBeGreaterThan(10);
    expect(server.received).toHaveLength(0);
  });

  it('logs in to Gmail with an app password', async () => {
    const server = await startGmail({ verifyToken: noTokens, appPasswords: { [SMTP_USER]: 'abcd efgh ijkl mnop' } });
    servers.push(server);
    const { status } = await configureAndTest(
      basicSettings({ port: server.port, emailType: 'smtps', caCertificate: testPki().caCert, password: 'abcd efgh ijkl mnop' }),
    );
    expect(status).toBe(200);
    // Gmail lists LOGIN before PLAIN; nodemailer prefers PLAIN, which Gmail offers too.
    expect(server.authAttempts).toEqual([{ method: 'PLAIN', username: SMTP_USER, secure: true }]);
  });

  it('fails with SMTP_STARTTLS_UNAVAILABLE when TLS is required and the server does not offer STARTTLS, sending no password', async () => {
    const server = await smtp({ tls: 'plain', users: USERS });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_STARTTLS_UNAVAILABLE');
    expect(server.authAttempts).toEqual([]);
  });

  it('answers SMTPS against a STARTTLS port as no mail server there, naming the TLS mode among what to check', async () => {
    const server = await smtp({ tls: 'starttls', users: USERS });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, emailType: 'smtps', caCertificate: testPki().caCert }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_UNREACHABLE');
    expect(body.error.hint).toContain('SMTPS on 465, SMTP with STARTTLS on 587');
  });

  it('answers SMTP against an SMTPS port as no mail server there, sending no password', async () => {
    const server = await smtp({ tls: 'implicit', users: USERS });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, emailType: 'smtp', caCertificate: testPki().caCert }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_UNREACHABLE');
    expect(server.authAttempts).toEqual([]);
  });

  it('refuses a certificate from an unknown CA, and accepts it once that CA is configured', async () => {
    const server = await smtp({ tls: 'starttls', users: USERS });
    const untrusted = await configureAndTest(basicSettings({ port: server.port }));
    expect(untrusted.status).toBe(502);
    expect(untrusted.body.error.code).toBe('SMTP_CERT_UNTRUSTED');
    expect(server.authAttempts).toEqual([]);

    // A CA decides who may receive the password: trusting another one takes the password again (secret-binding.ts).
    const kept = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: server.port, caCertificate: testPki().caCert, password: undefined }));
    expect(((await kept.json()) as ApiErrorBody).error).toMatchObject({ code: 'SECRET_REQUIRED', field: 'password' });
    const put = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: server.port, caCertificate: testPki().caCert }));
    expect(put.status).toBe(200);
    const trusted = await relay.call('POST', '/api/v1/mail-settings/test');
    expect(trusted.status).toBe(200);
    expect(server.received).toHaveLength(1);
  });

  it('refuses a certificate issued for another host, naming that host', async () => {
    const server = await smtp({ tls: 'implicit', users: USERS, certificate: testPki().otherHost });
    const { status, body } = await configureAndTest(basicSettings({ port: server.port, emailType: 'smtps', caCertificate: testPki().caCert }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_CERT_HOSTNAME_MISMATCH');
    expect(body.error.message).toContain('mail.other.test');
    expect(server.authAttempts).toEqual([]);
  });

  it('never sends a password over a plaintext connection unless insecure authentication is allowed', async () => {
    const server = await smtp({ tls: 'plain', users: USERS });
    relay = await createTestRelay();
    const refused = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: server.port, tls: false }));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ApiErrorBody).error.field).toBe('tls');

    // Explicitly allowed, for a trusted internal server: the password then goes in clear, as the admin chose.
    const allowed = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: server.port, tls: false, allowInsecureAuth: true }));
    expect(allowed.status).toBe(200);
    const res = await relay.call('POST', '/api/v1/mail-settings/test');
    expect(res.status).toBe(200);
    expect(server.authAttempts).toEqual([{ method: 'PLAIN', username: 'alerts@example.com', secure: false }]);
  });

  it('refuses at send time to put a password on a connection without TLS, whatever the store holds', async () => {
    const server = await smtp({ tls: 'plain', users: USERS });
    relay = await createTestRelay();
    // As a store written before today's check could hold them: the API refuses to save these.
    const allowed = v.parse(MailSettingsInput, basicSettings({ port: server.port, tls: false, allowInsecureAuth: true }));
    await relay.deps.mailSettings.save({ ...allowed, allowInsecureAuth: false });
    const res = await relay.call('POST', '/api/v1/mail-settings/test');
    expect(res.status).toBe(409);
    expect(((await res.json()) as ApiErrorBody).error.code).toBe('SMTP_INSECURE_AUTH_REFUSED');
    expect(server.connections).toBe(0);
  });

  it('sends without authentication over plain SMTP when the server needs none', async () => {
    const server = await smtp({ tls: 'plain' });
    const { status } = await configureAndTest(basicSettings({ port: server.port, tls: false, requiresAuth: false, username: '', password: undefined }));
    expect(status).toBe(200);
    expect(server.received).toHaveLength(1);
    expect(server.authAttempts).toEqual([]);
  });
});

describe('unreachable mail servers', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts TCP connections and never says a word, like a firewall that swallows the greeting.
    silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('answers a refused connection as no mail server there, and records it for the status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { status, body } = await configureAndTest(basicSettings({ port }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_UNREACHABLE');
    const relayStatus = (await (await relay.call('GET', '/api/v1/status')).json()) as { delivery: { lastFailure: { code: string } } };
    expect(relayStatus.delivery.lastFailure.code).toBe('SMTP_UNREACHABLE');
  });

  it('answers a server that never greets as no mail server there', async () => {
    const { status, body } = await configureAndTest(basicSettings({ port: silentPort, emailType: 'smtps' }));
    expect(status).toBe(502);
    expect(body.error.code).toBe('SMTP_UNREACHABLE');
  });
});
