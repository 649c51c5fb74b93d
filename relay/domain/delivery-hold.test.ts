import { describe, expect, it } from 'vitest';
import { deliveryHold } from './delivery-hold';

const delegated = { authType: 'oauth', oauthGrant: 'authorization_code' } as const;

describe('what holds every alert', () => {
  it('names the missing settings, recipients, account or re-authorization, in that order', async () => {
    expect(await deliveryHold({ settings: null, recipients: 0, account: () => null })).toEqual({ code: 'MAIL_NOT_CONFIGURED', detail: null });
    expect((await deliveryHold({ settings: delegated, recipients: 0, account: () => null }))?.code).toBe('ALERT_RECIPIENTS_MISSING');
    expect((await deliveryHold({ settings: delegated, recipients: 2, account: () => null }))?.code).toBe('OAUTH_NOT_CONNECTED');
    expect(await deliveryHold({ settings: delegated, recipients: 2, account: () => ({ reauth: { reason: 'revoked' } }) })).toEqual({
      code: 'OAUTH_REAUTH_REQUIRED',
      detail: 'revoked',
    });
    expect(await deliveryHold({ settings: delegated, recipients: 2, account: () => ({ reauth: null }) })).toBeNull();
  });

  it('holds nothing for a password or an app-only grant, which have no account to wait for, and does not read one', async () => {
    const unread = () => {
      throw new Error('the account was read');
    };
    expect(await deliveryHold({ settings: { authType: 'basic', oauthGrant: 'authorization_code' }, recipients: 1, account: unread })).toBeNull();
    expect(await deliveryHold({ settings: { authType: 'oauth', oauthGrant: 'client_credentials' }, recipients: 1, account: unread })).toBeNull();
  });
});
