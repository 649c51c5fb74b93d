import { startSmtpPeer, type SmtpPeer, type SmtpPeerOptions } from './smtp-peer';

/**
 * A plain MTA for basic authentication, as Postfix answers with its defaults (postconf(5), smtpd_* parameters):
 * STARTTLS on a submission port (or SMTPS, or no TLS at all), `AUTH PLAIN LOGIN` offered only once the session is
 * encrypted (smtpd_tls_auth_only), `535 5.7.8 Error: authentication failed: authentication failure` for wrong
 * credentials.
 */
export interface MtaOptions extends SmtpPeerOptions {
  /** Mailboxes and their passwords; with none, the server takes mail without AUTH. */
  users?: Record<string, string>;
  /** SASL mechanisms offered, in order (default PLAIN LOGIN). */
  authMethods?: string[];
  /** message_size_limit: Postfix's default is 10,240,000 bytes. */
  size?: number;
}

const SIZE = 10240000;

export function startMta(options: MtaOptions): Promise<SmtpPeer> {
  const users = options.users ?? {};
  const mechanisms = options.authMethods ?? ['PLAIN', 'LOGIN'];
  const requiresAuth = Object.keys(users).length > 0;
  return startSmtpPeer(
    {
      name: 'mail.example.com',
      ehlo: (secure) => [
        'PIPELINING',
        `SIZE ${options.size ?? SIZE}`,
        'ETRN',
        ...(!secure && options.tls === 'starttls' ? ['STARTTLS'] : []),
        // Without TLS at all, a server that wants AUTH has to offer it in clear (the admin must allow insecure auth).
        ...(requiresAuth && (secure || options.tls === 'plain') ? [`AUTH ${mechanisms.join(' ')}`] : []),
        'ENHANCEDSTATUSCODES',
        '8BITMIME',
        'DSN',
        'SMTPUTF8',
      ],
      mechanisms,
      size: options.size ?? SIZE,
      requiresAuth,
      async authenticate({ username, password }) {
        if (username && users[username] === password) return { ok: true, user: username };
        return { ok: false, reply: { code: 535, lines: ['5.7.8 Error: authentication failed: authentication failure'] } };
      },
    },
    options,
  );
}
