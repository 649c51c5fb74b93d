import { mailDestination, needsConsent, type MailSettings, type TestMailResult } from '../../shared/mail-settings';
import type { ErrorCode } from '../../shared/errors';
import { DeliveryError } from './errors';
import { messageIdFor, type MailSender } from './mail-sender';

const UNREACHABLE: ReadonlySet<ErrorCode> = new Set(['SMTP_UNREACHABLE', 'API_UNREACHABLE']);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Sends the test mail on a connection of its own, proving the settings exactly as saved. Its Message-ID comes from
 * the API request's id, so a client that repeats its X-Request-Id resends a recognisable mail.
 */
export async function sendTestMail(sender: MailSender, to: string, requestId: string): Promise<TestMailResult> {
  const settings = sender.settings();
  const messageId = messageIdFor('test', requestId, settings.senderAddress);
  const started = performance.now();
  const info = await sender
    .send({
      from: { name: settings.senderName, address: settings.senderAddress },
      to,
      subject: 'Guardmail test mail',
      messageId,
      text: `This is a test mail from Guardmail.\n\n` + `It went through ${through(settings)}, so alert mail will reach you the same way.\n`,
    })
    .catch(async (err: unknown) => {
      // Refused at once or timed out, the answer comes at the same time: the test mail is no port scanner.
      if (err instanceof DeliveryError && UNREACHABLE.has(err.failure.code)) await delay(sender.unreachableAnswerMs() - (performance.now() - started));
      throw err;
    });
  return { messageId, to, serverResponse: info.response, accepted: info.accepted.map(String) };
}

function through(settings: MailSettings): string {
  const auth =
    settings.authType === 'basic' ? (settings.requiresAuth ? 'password' : 'no authentication') : needsConsent(settings) ? 'OAuth 2.0' : 'OAuth 2.0 app-only';
  if (settings.transport !== 'smtp') return `${mailDestination(settings)} with ${auth}`;
  const starttls = settings.emailType === 'smtp' && settings.tls ? ' with STARTTLS' : '';
  return `${settings.host}:${settings.port} (${settings.emailType.toUpperCase()}${starttls}, ${auth})`;
}
