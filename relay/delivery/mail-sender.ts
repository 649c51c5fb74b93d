import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { SMTPSentMessageInfo, SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type { MailSettings } from '../../shared/mail-settings';
import { classifySmtpError, type SmtpErrorLike } from '../domain/smtp-errors';
import { smtpOptions, type SmtpTimeouts } from '../domain/smtp-options';
import type { DeliveryLog } from '../storage/delivery-log';
import type { MailSettingsStore } from '../storage/mail-settings-store';
import { DeliveryError } from './errors';
import type { TokenManager } from './token-manager';
import { xoauth2Options } from './xoauth2';

export interface MailSenderDeps {
  mailSettings: MailSettingsStore;
  tokens: TokenManager;
  deliveryLog: DeliveryLog;
  timeouts?: SmtpTimeouts;
  now?: () => number;
}

/** Sends one message with the saved settings, by password or by XOAUTH2 with the relay's managed token. */
export class MailSender {
  readonly #deps: MailSenderDeps;

  constructor(deps: MailSenderDeps) {
    this.#deps = deps;
  }

  settings(): MailSettings {
    const settings = this.#deps.mailSettings.get();
    if (!settings) throw new DeliveryError({ code: 'MAIL_NOT_CONFIGURED' });
    return settings;
  }

  /** Sends, and records the outcome for the status panel. */
  async send(message: SendMailOptions): Promise<SMTPSentMessageInfo> {
    const now = this.#deps.now ?? Date.now;
    try {
      const info = await this.#send(message);
      this.#deps.deliveryLog.delivered(now());
      return info;
    } catch (err) {
      if (err instanceof DeliveryError) this.#deps.deliveryLog.failed(err.failure.code, now());
      throw err;
    }
  }

  async #send(message: SendMailOptions): Promise<SMTPSentMessageInfo> {
    const settings = this.settings();
    const base = smtpOptions(settings, this.#deps.mailSettings.secrets(), this.#deps.timeouts);
    if (settings.authType === 'basic') return sendOnce(base, message, settings);

    const { tokens } = this.#deps;
    const first = await tokens.accessToken();
    try {
      return await sendOnce({ ...base, ...xoauth2Options(first.user, first.token) }, message, settings);
    } catch (err) {
      if (!(err instanceof DeliveryError) || !err.failure.code.startsWith('SMTP_XOAUTH2_')) throw err;
      // The server refused the token (revoked, expired early, rotated): one refresh and one retry, never a loop.
      tokens.invalidate(first.token);
      const second = await tokens.accessToken();
      return sendOnce({ ...base, ...xoauth2Options(second.user, second.token) }, message, settings);
    }
  }
}

async function sendOnce(options: SMTPTransportOptions, message: SendMailOptions, settings: MailSettings): Promise<SMTPSentMessageInfo> {
  const transport = nodemailer.createTransport(options);
  try {
    return await transport.sendMail(message);
  } catch (err) {
    throw new DeliveryError(classifySmtpError(err as SmtpErrorLike, settings), { cause: err });
  } finally {
    transport.close();
  }
}

/** Builds a Message-ID from a stable key, in the sender's domain, so a resend of the same mail is recognisable. */
export function messageIdFor(kind: string, key: string, senderAddress: string): string {
  const domain = senderAddress.slice(senderAddress.lastIndexOf('@') + 1) || 'guardmail.invalid';
  return `<guardmail.${kind}.${key}@${domain}>`;
}
