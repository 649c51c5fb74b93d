import { startSmtpPeer, type Reply, type SmtpPeer, type SmtpPeerOptions, type TokenVerifier } from './smtp-peer';

/**
 * smtp.office365.com:587 as it answers a client: STARTTLS only, no AUTH listed before TLS, `AUTH LOGIN XOAUTH2` after
 * it (LOGIN first), and these replies and limits, each from Microsoft Learn:
 * - a refused token: `535 5.7.3 Authentication unsuccessful`;
 * - SMTP AUTH off for the tenant or mailbox: `535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is
 *   disabled for the Tenant` ("Enable or disable SMTP AUTH in Exchange Online"); a password with basic authentication
 *   off: `535 5.7.139 Authentication unsuccessful, basic authentication is disabled`;
 * - a fourth concurrent connection of one mailbox: `432 4.3.2 Concurrent connections limit exceeded.`; more than 30
 *   messages a minute are delayed, the excess carried over to the following minutes; 10,000 recipients a day, then
 *   `554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException` ("Message storage and concurrent
 *   connection throttling for SMTP Authenticated Submission");
 * - sending as an address the account has no Send As right on: `550 5.7.60 SMTP; Client does not have permissions to
 *   send as this sender`, and after continuing to do so `550 5.2.252 Sender throttled due to continuous send as
 *   denied errors.` ("Continuous error throttling for SMTP AUTH submissions in Exchange Online", which does not publish
 *   how many errors it takes: `throttleAfter` below).
 * BINARYMIME and CHUNKING are advertised as Microsoft does; smtp-server does not run BDAT, and nodemailer never sends it.
 */
export const MICROSOFT_SCOPE = 'https://outlook.office.com/SMTP.Send';
/** An app-only token for Exchange Online ("Authenticate an IMAP, POP or SMTP connection using OAuth", client credentials). */
export const EXCHANGE_APP_SCOPE = 'https://outlook.office365.com/.default';

export interface Microsoft365Options extends Partial<SmtpPeerOptions> {
  /** Checks a bearer token as Exchange Online does: issued by the test authorization server, unexpired. */
  verifyToken: TokenVerifier;
  /** SMTP AUTH disabled for the tenant (Set-TransportConfig -SmtpClientAuthenticationDisabled $true). */
  smtpAuthDisabled?: boolean;
  /** Mailboxes with basic authentication still on, and their passwords. */
  passwords?: Record<string, string>;
  /** Basic authentication removed for good (after the 2027 retirement): `550 5.7.30` instead of `535 5.7.139`. */
  basicAuthRemoved?: boolean;
  /** Recipients a mailbox may send to in a day (Microsoft's is 10,000). */
  recipientsPerDay?: number;
  /** Send As rights: which other addresses each mailbox may send as. */
  sendAs?: Record<string, string[]>;
  /** The length of Microsoft's minute, scaled down in tests so a limit shows in seconds (default 60 s). */
  minuteMs?: number;
  /** Continuous send-as errors before the mailbox is throttled; Microsoft does not publish the number. */
  throttleAfter?: number;
  /**
   * App-only SMTP: the mailboxes each application's service principal may use, as `New-ServicePrincipal` then
   * `Add-MailboxPermission -AccessRights FullAccess` make them. Without both, and the SMTP.SendAsApp permission with
   * admin consent, Exchange answers an app-only token with `535 5.7.3`.
   */
  appMailboxes?: Record<string, string[]>;
}

const SIZE = 157286400;
const HOST = 'DM6PR11MB0001.namprd11.prod.outlook.com';
const CONNECTIONS_PER_MAILBOX = 3;
const MESSAGES_PER_MINUTE = 30;

export interface Microsoft365Peer extends SmtpPeer {
  /** Messages whose 250 was held because the mailbox exceeded 30 a minute. */
  readonly delayed: number;
}

export async function startMicrosoft365(options: Microsoft365Options): Promise<Microsoft365Peer> {
  const minuteMs = options.minuteMs ?? 60_000;
  const authenticated = new Map<string, string>(); // connection id → mailbox
  const accepted = new Map<string, number[]>(); // mailbox → times its last 30 messages were accepted
  const sendAsErrors = new Map<string, number>();
  const recipientsToday = new Map<string, number>();
  let delayed = 0;
  const reply = (code: number, text: string): Reply => ({ code, lines: [`${text} [Hostname=${HOST}]`] });
  const refusedToken: Reply = { code: 535, lines: ['5.7.3 Authentication unsuccessful [Hostname=' + HOST + ']'] };

  const peer = await startSmtpPeer(
    {
      name: HOST,
      ehlo: (secure) => [
        `SIZE ${SIZE}`,
        'PIPELINING',
        'DSN',
        'ENHANCEDSTATUSCODES',
        ...(secure ? ['AUTH LOGIN XOAUTH2'] : ['STARTTLS']),
        '8BITMIME',
        'BINARYMIME',
        'CHUNKING',
        'SMTPUTF8',
      ],
      mechanisms: ['LOGIN', 'XOAUTH2'],
      size: SIZE,
      tooLarge: reply(552, '5.3.4 Message size exceeds fixed maximum message size'),
      requiresAuth: true,
      async authenticate({ method, username, password, accessToken }) {
        if (options.smtpAuthDisabled) {
          return {
            ok: false,
            reply: reply(
              535,
              '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
            ),
          };
        }
        if (method === 'XOAUTH2') {
          const token = await options.verifyToken(accessToken ?? '');
          if (!token) return { ok: false, reply: refusedToken };
          if (token.account === null) {
            const mailboxes = (options.appMailboxes?.[token.clientId] ?? []).map((m) => m.toLowerCase());
            const allowed = token.scopes.includes(EXCHANGE_APP_SCOPE) && token.roles.includes('SMTP.SendAsApp') && mailboxes.includes(username.toLowerCase());
            return allowed ? { ok: true, user: username } : { ok: false, reply: refusedToken };
          }
          if (token.account.toLowerCase() !== username.toLowerCase() || !token.scopes.includes(MICROSOFT_SCOPE)) return { ok: false, reply: refusedToken };
          return { ok: true, user: username };
        }
        if (options.basicAuthRemoved) return { ok: false, reply: reply(550, '5.7.30 Basic authentication is not supported for Client Submission.') };
        if (options.passwords && options.passwords[username] === password) return { ok: true, user: username };
        if (!options.passwords) return { ok: false, reply: reply(535, '5.7.139 Authentication unsuccessful, basic authentication is disabled.') };
        return { ok: false, reply: reply(535, '5.7.3 Authentication unsuccessful') };
      },
      mailFrom({ user, from, connectionId }) {
        if (!user) return null;
        authenticated.set(connectionId, user.toLowerCase());
        const open = [...authenticated.values()].filter((m) => m === user.toLowerCase()).length;
        if (open > CONNECTIONS_PER_MAILBOX)
          return {
            code: 432,
            lines: [`4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information. [Hostname=${HOST}]`],
          };
        if ((recipientsToday.get(user) ?? 0) >= (options.recipientsPerDay ?? 10_000)) {
          return reply(
            554,
            '5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message Cannot submit message.',
          );
        }
        const mayUse = [user, ...(options.sendAs?.[user] ?? [])].map((a) => a.toLowerCase());
        if (mayUse.includes(from.toLowerCase())) {
          sendAsErrors.delete(user);
          return null;
        }
        const errors = (sendAsErrors.get(user) ?? 0) + 1;
        sendAsErrors.set(user, errors);
        if (errors > (options.throttleAfter ?? 5)) return reply(550, '5.2.252 Sender throttled due to continuous send as denied errors.');
        return reply(550, `5.7.60 SMTP; Client does not have permissions to send as this sender. Sender address: ${from}`);
      },
      acceptDelay(user) {
        if (!user) return 0;
        // The excess of 30 a minute is delayed into the following minutes, not refused.
        const now = Date.now();
        const times = (accepted.get(user) ?? []).filter((t) => t > now - minuteMs);
        const at = times.length >= MESSAGES_PER_MINUTE ? times[times.length - MESSAGES_PER_MINUTE]! + minuteMs : now;
        times.push(at);
        accepted.set(user, times.slice(-MESSAGES_PER_MINUTE));
        if (at > now) delayed++;
        return at - now;
      },
      accepted(user, recipients) {
        if (user) recipientsToday.set(user, (recipientsToday.get(user) ?? 0) + recipients);
      },
      closed(connectionId) {
        authenticated.delete(connectionId);
      },
    },
    { tls: 'starttls', ...options },
  );
  return Object.defineProperty(peer, 'delayed', { get: () => delayed }) as Microsoft365Peer;
}
