import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { decodeXOAuth2Challenge, xoauth2InitialResponse } from '../domain/token-policy';
import type { TokenManager } from './token-manager';

/**
 * SASL XOAUTH2 with the relay's managed token, fetched at each login so a pooled connection never logs in with a
 * stale one. nodemailer's built-in OAuth2 answers Gmail's `334` challenge by asking its own generator for another
 * token and drops the challenge; this handler keeps it, decoded, on the error, and drops the refused token so the
 * caller's one retry logs in with a fresh one.
 */
export function xoauth2Options(tokens: TokenManager, account: string): Pick<SMTPTransportOptions, 'auth' | 'customAuth'> {
  return {
    auth: { type: 'custom', method: 'XOAUTH2', user: account },
    customAuth: {
      XOAUTH2: async ({ sendCommand }) => {
        const { token, user } = await tokens.accessToken();
        const answer = await sendCommand(`AUTH XOAUTH2 ${xoauth2InitialResponse(user, token)}`);
        if (answer.status === 235) return;
        tokens.invalidate(token);
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
