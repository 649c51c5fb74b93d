import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { decodeXOAuth2Challenge, xoauth2InitialResponse } from '../domain/token-policy';
import type { TokenManager } from './token-manager';

/**
 * The name nodemailer knows our handler by. Asked for `XOAUTH2` without its own OAuth2 generator, nodemailer swaps in
 * the first mechanism the server lists (LOGIN at Microsoft, PLAIN or LOGIN at Gmail); a name of our own is never swapped.
 */
export const XOAUTH2_HANDLER = 'GUARDMAIL-XOAUTH2';

/**
 * SASL XOAUTH2 with the relay's managed token, fetched at each login so a pooled connection never logs in with a
 * stale one. It speaks `AUTH XOAUTH2` whatever else the server offers and never falls back to a password mechanism.
 * A refused token is dropped, so the caller's one retry logs in with a fresh one; Gmail's `334` challenge is kept,
 * decoded, on the error.
 */
export function xoauth2Options(tokens: TokenManager, account: string): Pick<SMTPTransportOptions, 'auth' | 'customAuth' | 'forceAuth'> {
  return {
    // nodemailer's pool drops an auth with neither user nor password, and would then send without logging in.
    auth: { type: 'custom', method: XOAUTH2_HANDLER, user: account },
    // A server that lists no AUTH at all gets the login anyway, so the handler can say XOAUTH2 is not offered.
    forceAuth: true,
    customAuth: {
      [XOAUTH2_HANDLER]: async ({ sendCommand, authMethods }) => {
        if (!authMethods.map((m) => m.toUpperCase()).includes('XOAUTH2')) {
          throw Object.assign(new Error(`the server offers AUTH ${authMethods.join(' ') || '(nothing)'}, not XOAUTH2`), { xoauth2NotOffered: true });
        }
        const { token, user } = await tokens.accessToken();
        const answer = await sendCommand(`AUTH XOAUTH2 ${xoauth2InitialResponse(user, token)}`);
        if (answer.status === 235) return;
        await tokens.invalidate(token);
        if (answer.status === 334) {
          const challenge = decodeXOAuth2Challenge(answer.text ?? '');
          // RFC 7628 §3.2.3: the client answers the challenge with an empty response, then the server fails the login.
          await sendCommand('');
          throw Object.assign(new Error('XOAUTH2 login refused'), { xoauth2Challenge: challenge ?? undefined });
        }
        throw new Error('XOAUTH2 login refused');
      },
    },
  };
}
