import { X509Certificate } from 'node:crypto';
import { Hono } from 'hono';
import { MailSettingsInput, TestMailInput, type MailSettingsParsed } from '../../shared/mail-settings';
import type { AppDeps, AppEnv } from '../app';
import { sendTestMail, SmtpSendError } from '../delivery/test-mail';
import { ApiError, parseBody } from '../http/api-error';

export function mailSettingsRoutes(deps: Pick<AppDeps, 'mailSettings' | 'smtpTimeouts'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const store = deps.mailSettings;

  /** The settings with secrets shown only as set or not; null before the first save. */
  routes.get('/mail-settings', (c) => c.json(store.view()));

  routes.put('/mail-settings', async (c) => {
    const input = await parseBody(c, MailSettingsInput);
    checkAgainstStored(input, store.hasSecret('password'));
    store.save(input);
    return c.json(store.view());
  });

  routes.post('/mail-settings/test', async (c) => {
    const body = await parseBody(c, TestMailInput, { optional: true });
    const settings = store.get();
    if (!settings) throw new ApiError('MAIL_NOT_CONFIGURED');
    if (settings.authType === 'oauth') throw new ApiError('OAUTH_NOT_CONNECTED');
    const to = body.to ?? settings.testAddress;
    if (!to) throw new ApiError('TEST_ADDRESS_MISSING', { field: 'to' });
    try {
      return c.json(await sendTestMail({ settings, secrets: store.secrets(), to, requestId: c.get('requestId'), timeouts: deps.smtpTimeouts }));
    } catch (err) {
      if (!(err instanceof SmtpSendError)) throw err;
      const { code, serverResponse, detail } = err.failure;
      const base = new ApiError(code).message;
      throw new ApiError(code, { message: detail ? `${base} (${detail})` : base, serverResponse, cause: err });
    }
  });

  return routes;
}

/** Checks that need what is stored or Node's crypto, beyond the shared schema. */
function checkAgainstStored(input: MailSettingsParsed, passwordStored: boolean): void {
  const issues = [];
  if (input.authType === 'basic' && input.requiresAuth && (input.password === null || (input.password === undefined && !passwordStored))) {
    issues.push({ field: 'password', message: 'Password is required when the server requires authentication.' });
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
