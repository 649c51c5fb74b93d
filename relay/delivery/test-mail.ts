import type { TestMailResult } from '../../shared/mail-settings';
import { messageIdFor, type MailSender } from './mail-sender';

/**
 * Sends the test mail on a connection of its own, proving the settings exactly as saved. Its Message-ID comes from
 * the API request's id, so a client that repeats its X-Request-Id resends a recognisable mail.
 */
export async function sendTestMail(sender: MailSender, to: string, requestId: string): Promise<TestMailResult> {
  const settings = sender.settings();
  const messageId = messageIdFor('test', requestId, settings.senderAddress);
  const info = await sender.send({
    from: { name: settings.senderName, address: settings.senderAddress },
    to,
    subject: 'Guardmail test mail',
    messageId,
    text:
      `This is a test mail from Guardmail.\n\n` +
      `It went through ${settings.host}:${settings.port} (${settings.emailType.toUpperCase()}${settings.emailType === 'smtp' && settings.tls ? ' with STARTTLS' : ''}, ` +
      `${settings.authType === 'oauth' ? 'OAuth 2.0' : settings.requiresAuth ? 'password' : 'no authentication'}), so alert mail will reach you the same way.\n`,
  });
  return { messageId, to, serverResponse: info.response, accepted: info.accepted.map(String) };
}
