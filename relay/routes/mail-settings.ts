import { createPrivateKey, X509Certificate } from 'node:crypto';
import { Hono } from 'hono';
import { MailSettingsInput, TestMailInput, type MailSettingsParsed } from '../../shared/mail-settings';
import type { AppDeps, AppEnv } from '../deps';
import { sendTestMail } from '../delivery/test-mail';
import { mailSettingsChanges } from '../domain/audit';
import { forgetsAccount } from '../domain/oauth-account';
import { movedSecrets } from '../domain/secret-binding';
import { ApiError, parseBody } from '../http/api-error';
import { auditBy } from '../http/auth';

export function mailSettingsRoutes(deps: Pick<AppDeps, 'mailSettings' | 'oauth' | 'sender' | 'worker' | 'logger' | 'audit'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const store = deps.mailSettings;

  /** The settings with secrets shown only as set or not; null before the first save. */
  routes.get('/mail-settings', (c) => c.json(store.view()));

  routes.put('/mail-settings', async (c) => {
    const input = await parseBody(c, MailSettingsInput);
    checkAgainstStored(input, {
      password: store.hasSecret('password'),
      clientSecret: store.hasSecret('clientSecret'),
      clientPrivateKey: store.hasSecret('clientPrivateKey'),
    });
    const before = store.get();
    const moved = movedSecrets(before, input, store.view()?.secretsSet ?? {});
    const reenter = moved.find((m) => m.action === 'reenter');
    if (reenter) {
      throw new ApiError('SECRET_REQUIRED', {
        field: reenter.field,
        message: `${reenter.field}: the ${reenter.moved} changed, so the stored ${reenter.field} is not sent there: enter it again.`,
      });
    }
    for (const { field } of moved) input[field] = null;
    const changes = mailSettingsChanges(before, input, store.view()?.secretsSet ?? {});
    await store.save(input);
    const requestId = c.get('requestId');
    const by = auditBy(c);
    await deps.audit.record('mail-settings.updated', changes, by);
    const account = await deps.oauth.account();
    if (account && forgetsAccount(before, input)) {
      await deps.oauth.disconnect();
      await deps.audit.record(
        'oauth.disconnected',
        { account: account.account, reason: 'the client, its endpoints, the scope or where mail is sent changed' },
        by,
      );
      deps.logger.info({ requestId }, 'OAuth account disconnected: the client, its endpoints or where mail is sent changed');
    }
    // The change may be the fix delivery waited for: alerts waiting for their next retry go now.
    void deps.worker.resume().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    return c.json(store.view());
  });

  routes.post('/mail-settings/test', async (c) => {
    const body = await parseBody(c, TestMailInput, { optional: true });
    const settings = store.get();
    if (!settings) throw new ApiError('MAIL_NOT_CONFIGURED');
    const to = body.to ?? settings.testAddress;
    if (!to) throw new ApiError('TEST_ADDRESS_MISSING', { field: 'to' });
    return c.json(await sendTestMail(deps.sender, to, c.get('requestId')));
  });

  return routes;
}

/** Checks that need what is stored or Node's crypto, beyond the shared schema. */
function checkAgainstStored(input: MailSettingsParsed, stored: { password: boolean; clientSecret: boolean; clientPrivateKey: boolean }): void {
  const issues = [];
  const missing = (field: 'password' | 'clientSecret' | 'clientPrivateKey') => input[field] === null || (input[field] === undefined && !stored[field]);
  if (input.authType === 'basic' && input.requiresAuth && missing('password')) {
    issues.push({ field: 'password', message: 'Password is required when the server requires authentication.' });
  }
  const certificate = input.clientAuthMethod === 'private_key_jwt';
  if (input.authType === 'oauth' && input.oauthGrant === 'client_credentials' && !certificate && missing('clientSecret')) {
    issues.push({ field: 'clientSecret', message: 'Client secret is required for app-only access: the application signs in with it.' });
  }
  if (input.authType === 'oauth' && certificate && missing('clientPrivateKey')) {
    issues.push({
      field: 'clientPrivateKey',
      message: 'Client private key is required for certificate authentication: the relay signs its assertion with it.',
    });
  }
  if (certificate && input.clientCertificate) {
    const problem = certificateProblem(input.clientCertificate, typeof input.clientPrivateKey === 'string' ? input.clientPrivateKey : null);
    if (problem) issues.push(problem);
  }
  if (input.caCertificate) {
    try {
      new X509Certificate(input.caCertificate);
    } catch {
      issues.push({ field: 'caCertificate', message: 'CA certificate is not a readable X.509 certificate in PEM.' });
    }
  }
  if (issues.length > 0) throw ApiError.validation(issues);
}

/** The certificate must be readable and, when a key comes with it, be the key's: Entra matches the assertion to it. */
function certificateProblem(certificatePem: string, privateKeyPem: string | null): { field: string; message: string } | null {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return { field: 'clientCertificate', message: 'Client certificate is not a readable X.509 certificate in PEM.' };
  }
  if (privateKeyPem === null) return null;
  try {
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType !== 'rsa')
      return { field: 'clientPrivateKey', message: 'Client private key must be an RSA key, as Microsoft Entra signs and checks RS256.' };
    if (!certificate.checkPrivateKey(key)) return { field: 'clientPrivateKey', message: 'Client private key does not belong to the client certificate.' };
  } catch {
    return { field: 'clientPrivateKey', message: 'Client private key is not a readable, unencrypted private key in PEM.' };
  }
  return null;
}
