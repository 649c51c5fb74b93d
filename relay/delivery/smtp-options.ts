import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { isIP } from 'node:net';
import { mayAuthenticate, type MailSettings, type SecretField } from '../../shared/mail-settings';

export interface SmtpTimeouts {
  /** TCP connect. */
  connectionMs: number;
  /** From connect to the server's 220 greeting: an implicit-TLS port never greets a plain client. */
  greetingMs: number;
  /** Idle time on an established connection. */
  socketMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

/**
 * How to connect to the mail server, decided from the settings alone:
 * - SMTPS is TLS from the first byte;
 * - SMTP with TLS requires STARTTLS and fails when the server does not offer it, never falling back to plaintext;
 * - SMTP without TLS still upgrades when the server offers STARTTLS, and sends credentials only when the admin
 *   explicitly allowed insecure authentication.
 * Certificates are always verified, against the custom CA when one is set.
 */
export function smtpOptions(
  settings: MailSettings,
  secrets: Partial<Record<SecretField, string>>,
  timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS,
): SMTPTransportOptions {
  const options: SMTPTransportOptions = {
    host: settings.host,
    port: settings.port,
    secure: settings.emailType === 'smtps',
    requireTLS: settings.emailType === 'smtp' && settings.tls,
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(isIP(settings.host) ? {} : { servername: settings.host }),
      ...(settings.caCertificate ? { ca: settings.caCertificate } : {}),
    },
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    // Messages are built by the relay; nothing in them may make nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
  if (settings.authType === 'basic' && settings.requiresAuth && mayAuthenticate(settings)) {
    options.auth = { user: settings.username, pass: secrets.password ?? '' };
    // Logs in even when the server lists no AUTH: mail the admin said needs authentication never goes out without it.
    options.forceAuth = true;
  }
  return options;
}
