import nodemailer from 'nodemailer';
import type { MailSettings } from '../../shared/mail-settings';
import type { TestMailResult } from '../../shared/mail-settings';
import { classifySmtpError, type SmtpErrorLike, type SmtpFailure } from '../domain/smtp-errors';
import { smtpOptions, type SmtpTimeouts } from '../domain/smtp-options';
import type { MailSecrets } from '../storage/mail-settings-store';

/** A send that failed, classified; thrown by the delivery layer, turned into an API error by the routes. */
export class SmtpSendError extends Error {
  readonly failure: SmtpFailure;
  constructor(failure: SmtpFailure, options?: ErrorOptions) {
    super(`SMTP send failed: ${failure.code}`, options);
    this.name = 'SmtpSendError';
    this.failure = failure;
  }
}

/** Builds a Message-ID from a stable key, in the sender's domain, so a resend of the same mail is recognisable. */
export function messageIdFor(kind: string, key: string, senderAddress: string): string {
  const domain = senderAddress.slice(senderAddress.lastIndexOf('@') + 1) || 'guardmail.invalid';
  return `<guardmail.${kind}.${key}@${domain}>`;
}

export interface TestMailRequest {
  settings: MailSettings;
  secrets: MailSecrets;
  to: string;
  /** The API request's id: it makes the Message-ID, so the mail can be found again in the server's logs. */
  requestId: string;
  timeouts?: SmtpTimeouts;
}

/** Sends the test mail on a connection of its own, so it proves the settings exactly as saved. */
export async function sendTestMail(req: TestMailRequest): Promise<TestMailResult> {
  const { settings } = req;
  const transport = nodemailer.createTransport(smtpOptions(settings, req.secrets, req.timeouts));
  const messageId = messageIdFor('test', req.requestId, settings.senderAddress);
  try {
    const info = await transport.sendMail({
      from: { name: settings.senderName, address: settings.senderAddress },
      to: req.to,
      subject: 'Guardmail test mail',
      messageId,
      text:
        `This is a test mail from Guardmail.\n\n` +
        `It went through ${settings.host}:${settings.port} (${settings.emailType.toUpperCase()}${settings.emailType === 'smtp' && settings.tls ? ' with STARTTLS' : ''}), ` +
        `so alert mail will reach you the same way.\n`,
    });
    return { messageId, to: req.to, serverResponse: info.response, accepted: info.accepted.map(String) };
  } catch (err) {
    throw new SmtpSendError(classifySmtpError(err as SmtpErrorLike, settings.emailType), { cause: err });
  } finally {
    transport.close();
  }
}
