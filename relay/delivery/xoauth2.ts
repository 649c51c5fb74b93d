import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { decodeXOAuth2Challenge, xoauth2InitialResponse } from '../domain/token-policy';

type CustomAuthHandler = NonNullable<SMTPTransportOptions['customAuth']>[string];

/**
 * SASL XOAUTH2 with the relay's own token. nodemailer's built-in OAuth2 answers Gmail's `334` challenge by asking its
 * own token generator for another token and drops the challenge; this handler keeps it, decoded, on the error, and
 * leaves the one refresh and one retry to the relay's token manager.
 */
const xoauth2: CustomAuthHandler = async ({ auth, sendCommand }) => {
  const { user, pass: accessToken } = auth.credentials as { user: string; pass: string };
  const answer = await sendCommand(`AUTH XOAUTH2 ${xoauth2InitialResponse(user, accessToken)}`);
  if (answer.status === 235) return;
  if (answer.status === 334) {
    const challenge = decodeXOAuth2Challenge(answer.text ?? '');
    // RFC 7628 §3.2.3: the client answers the challenge with an empty response, then the server fails the login.
    await sendCommand('');
    throw Object.assign(new Error('XOAUTH2 login refused'), { xoauth2Challenge: challenge ?? undefined });
  }
  throw new Error('XOAUTH2 login refused');
};

/** Transport options that log in with XOAUTH2 as `user` with `accessToken`. */
export function xoauth2Options(user: string, accessToken: string): Pick<SMTPTransportOptions, 'auth' | 'customAuth'> {
  return {
    auth: { type: 'custom', method: 'XOAUTH2', user, pass: accessToken },
    customAuth: { XOAUTH2: xoauth2 },
  };
}
