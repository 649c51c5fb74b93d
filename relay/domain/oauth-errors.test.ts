import { describe, expect, it } from 'vitest';
import { classifyOAuthError } from './oauth-errors';

describe('classifyOAuthError', () => {
  it.each([
    ['Token has been expired or revoked.', /7 days/],
    ['AADSTS700082: The refresh token has expired due to inactivity.', /90 days without use/],
    ['AADSTS50173: The provided grant has expired due to it being revoked.', /password changed/],
    ['', /refused the refresh token/],
  ])('asks for re-authorization on invalid_grant at refresh: %j', (description, reason) => {
    const failure = classifyOAuthError({ kind: 'oauth', error: 'invalid_grant', description }, 'refresh');
    expect(failure.code).toBe('OAUTH_REAUTH_REQUIRED');
    expect(failure.reauthReason).toMatch(reason);
  });

  it('treats invalid_grant at redemption as a bad code, not a lost account', () => {
    expect(classifyOAuthError({ kind: 'oauth', error: 'invalid_grant', description: 'Malformed auth code.' }, 'redeem')).toMatchObject({
      code: 'OAUTH_GRANT_INVALID',
    });
    expect(classifyOAuthError({ kind: 'oauth', error: 'invalid_grant', description: 'The authorization code has already been redeemed.' }, 'redeem').code).toBe(
      'OAUTH_CODE_ALREADY_REDEEMED',
    );
  });

  it('explains network failures, naming the proxy when it is at fault', () => {
    expect(classifyOAuthError({ kind: 'network', message: 'Proxy response (407)', viaProxy: true, proxyStatus: 407 }, 'refresh').code).toBe(
      'OAUTH_PROXY_AUTH_FAILED',
    );
    expect(classifyOAuthError({ kind: 'network', message: 'connect ECONNREFUSED', viaProxy: true, proxyRefused: true }, 'refresh').code).toBe(
      'OAUTH_PROXY_UNREACHABLE',
    );
    expect(classifyOAuthError({ kind: 'network', message: 'connect ETIMEDOUT', viaProxy: false }, 'redeem').code).toBe('OAUTH_TOKEN_ENDPOINT_UNREACHABLE');
  });

  it('keeps an unknown provider error verbatim', () => {
    expect(classifyOAuthError({ kind: 'oauth', error: 'temporarily_unavailable', description: 'try later' }, 'refresh')).toEqual({
      code: 'OAUTH_PROVIDER_ERROR',
      detail: 'temporarily_unavailable: try later',
    });
  });
});
