import { describe, expect, it } from 'vitest';
import type { StatusAnswer } from '../../shared/api';
import { needsAttention } from './attention';

const healthy: StatusAnswer = {
  apiVersion: 'v1',
  mail: {
    configured: true,
    transport: 'smtp',
    destination: 'smtp.office365.com:587',
    host: 'smtp.office365.com',
    port: 587,
    emailType: 'smtp',
    authType: 'oauth',
    oauthGrant: 'authorization_code',
    provider: 'microsoft',
    senderAddress: 'alerts@example.com',
  },
  oauth: {
    account: 'alerts@example.com',
    scope: 'SMTP.Send',
    connectedAt: '2026-12-01T00:00:00Z',
    accessTokenExpiresAt: null,
    lastRefreshAt: null,
    lastRefreshError: null,
    refreshTokenIssuedAt: '2026-12-01T00:00:00Z',
    refreshTokenAgeDays: 1,
    reauthRequired: false,
    reauthReason: null,
  },
  delivery: { lastDeliveredAt: null, lastFailure: null, delayed: null },
  fleet: { counts: { very_high: 0, high: 0, low: 2, secure: 5 }, stoppedReporting: 0, outbox: { pending: 0, failed: 0, oldestDueAgeSeconds: null } },
  alertRecipients: 1,
  admin: { name: 'admin token', role: 'owner' },
  releaseData: { basis: 'vendor', stale: false, sources: [] },
};

describe("what needs the admin's attention", () => {
  it('is nothing for a relay that sends and a fleet that is fine', () => {
    expect(needsAttention(healthy)).toEqual([]);
  });

  it('sends the admin to the mail server tab while nothing is configured', () => {
    expect(needsAttention({ ...healthy, mail: { configured: false }, oauth: null })).toEqual([{ kind: 'mail-not-configured', tab: 'mail' }]);
  });

  it('asks for the consent where an account must sign in, and never for app-only or basic authentication', () => {
    expect(needsAttention({ ...healthy, oauth: null })).toEqual([{ kind: 'not-connected', tab: 'status' }]);
    const appOnly = { ...healthy, mail: { ...healthy.mail, oauthGrant: 'client_credentials' }, oauth: null } as StatusAnswer;
    expect(needsAttention(appOnly)).toEqual([]);
    const basic = { ...healthy, mail: { ...healthy.mail, authType: 'basic' }, oauth: null } as StatusAnswer;
    expect(needsAttention(basic)).toEqual([]);
  });

  it("lists mail before alerts before the fleet, with the counts and the provider's reason", () => {
    const status: StatusAnswer = {
      ...healthy,
      oauth: { ...healthy.oauth!, reauthRequired: true, reauthReason: 'AADSTS50173' },
      alertRecipients: 0,
      fleet: { counts: { very_high: 1, high: 2, low: 0, secure: 0 }, stoppedReporting: 4, outbox: { pending: 3, failed: 2, oldestDueAgeSeconds: 60 } },
      releaseData: { basis: 'vendor', stale: true, sources: [] },
    };
    expect(needsAttention(status)).toEqual([
      { kind: 'reauth', tab: 'status', params: { reason: 'AADSTS50173' } },
      { kind: 'no-recipients', tab: 'alerts' },
      { kind: 'failed-alerts', tab: 'fleet', params: { count: 2 } },
      { kind: 'vulnerable', tab: 'fleet', params: { count: 3 } },
      { kind: 'stopped-reporting', tab: 'fleet', params: { count: 4 } },
      { kind: 'release-stale', tab: 'fleet' },
    ]);
  });
});
