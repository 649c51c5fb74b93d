import { startSmtpPeer, type SmtpPeer, type SmtpPeerOptions, type TokenVerifier } from './smtp-peer';

/**
 * smtp.gmail.com as it answers a client, for 465 (implicit TLS) and 587 (STARTTLS).
 *
 * - EHLO before TLS on 587 lists no AUTH; after TLS it lists `AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER
 *   XOAUTH`, password mechanisms first (`openssl s_client -starttls smtp -connect smtp.gmail.com:587`, as recorded in
 *   the README's provider table; reply codes from Google's "Gmail SMTP errors", https://support.google.com/a/answer/3726730).
 * - A refused XOAUTH2 token gets `334` with base64 JSON naming the scope the token should have had, then `535-5.7.8`
 *   (https://developers.google.com/gmail/imap/xoauth2-protocol, "Error response").
 * - The account password gets `534-5.7.9 Application-specific password required` (support.google.com/a/answer/3726730).
 *
 * CHUNKING is advertised as Gmail does; smtp-server does not run BDAT, and nodemailer never sends it.
 */
export const GMAIL_SCOPE = 'https://mail.google.com/';

export interface GmailOptions extends Partial<SmtpPeerOptions> {
  /** Checks a bearer token as Google's resource servers do: issued by the test authorization server, unexpired. */
  verifyToken: TokenVerifier;
  /** The scope a token needs for SMTP (Google's is https://mail.google.com/). */
  requiredScope?: string;
  /** The mailboxes whose app passwords the server accepts (Gmail takes no account password). */
  appPasswords?: Record<string, string>;
}

const SIZE = 35882577;

export function startGmail(options: GmailOptions): Promise<SmtpPeer> {
  const requiredScope = options.requiredScope ?? GMAIL_SCOPE;
  const badCredentials = {
    code: 535,
    lines: ['5.7.8 Username and Password not accepted. For more information, go to', '5.7.8  https://support.google.com/mail/?p=BadCredentials'],
  };
  return startSmtpPeer(
    {
      name: 'smtp.gmail.com',
      ehlo: (secure) => [
        `SIZE ${SIZE}`,
        '8BITMIME',
        ...(secure ? ['AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH'] : ['STARTTLS']),
        'ENHANCEDSTATUSCODES',
        'PIPELINING',
        'CHUNKING',
        'SMTPUTF8',
      ],
      mechanisms: ['LOGIN', 'PLAIN', 'XOAUTH2'],
      xoauth2Refusal: badCredentials,
      size: SIZE,
      tooLarge: {
        code: 552,
        lines: [
          "5.3.4 Your message exceeded Google's message size limits. For more information, visit",
          '5.3.4  https://support.google.com/mail/?p=MaxSizeError',
        ],
      },
      requiresAuth: true,
      async authenticate({ method, username, password, accessToken }) {
        if (method === 'XOAUTH2') {
          const token = await options.verifyToken(accessToken ?? '');
          if (token && token.account === username && token.scopes.includes(requiredScope)) return { ok: true, user: username };
          // 400 with the scope: the token is good but lacks it; 401: the token itself is refused.
          return { ok: false, challenge: { status: token ? '400' : '401', schemes: 'Bearer', scope: requiredScope } };
        }
        if (options.appPasswords?.[username] === password) return { ok: true, user: username };
        if (password && !options.appPasswords?.[username]) {
          return {
            ok: false,
            reply: {
              code: 534,
              lines: [
                '5.7.9 Application-specific password required. For more information, go to',
                '5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor',
              ],
            },
          };
        }
        return { ok: false, reply: badCredentials };
      },
    },
    { tls: 'implicit', ...options },
  );
}
