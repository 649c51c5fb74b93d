import { describe, expect, it } from 'vitest';
import { accountFromIdToken, forgetsAccount, refreshFailure, trustedIssuer, unverifiedIssuer, xoauth2User } from './oauth-account';

describe('trustedIssuer', () => {
  it("accepts Google's issuer, with or without its scheme, for Google's authorization URL", () => {
    const google = 'https://accounts.google.com/o/oauth2/v2/auth';
    expect(trustedIssuer(google, 'https://accounts.google.com')).toBe('https://accounts.google.com');
    expect(trustedIssuer(google, 'accounts.google.com')).toBe('accounts.google.com');
  });

  it("accepts Microsoft's tenant-GUID issuer for an authorization URL that names `organizations`", () => {
    const issuer = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';
    expect(trustedIssuer('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize', issuer)).toBe(issuer);
  });

  it('refuses an issuer on another origin (a mix-up), a missing one and garbage', () => {
    const google = 'https://accounts.google.com/o/oauth2/v2/auth';
    expect(trustedIssuer(google, 'https://evil.example')).toBeNull();
    expect(trustedIssuer(google, 'https://accounts.google.com.evil.example')).toBeNull();
    expect(trustedIssuer(google, undefined)).toBeNull();
    expect(trustedIssuer(google, 42)).toBeNull();
  });
});

describe('unverifiedIssuer', () => {
  it('reads iss from a JWT and nothing from anything else', () => {
    expect(unverifiedIssuer(`e30.${Buffer.from('{"iss":"https://a.example"}').toString('base64url')}.sig`)).toBe('https://a.example');
    expect(unverifiedIssuer('opaque')).toBeUndefined();
    expect(unverifiedIssuer('e30.bm90IGpzb24.sig')).toBeUndefined();
  });
});

describe('accountFromIdToken', () => {
  it("takes Google's verified email", () => {
    expect(accountFromIdToken({ sub: '1', email: 'alice@example.com', email_verified: true })).toBe('alice@example.com');
  });
  it("takes Microsoft's preferred_username when there is no email claim", () => {
    expect(accountFromIdToken({ sub: '1', preferred_username: 'alice@contoso.com', tid: 'x' })).toBe('alice@contoso.com');
  });
  it('passes over an email the provider marks unverified, and answers null when nothing names an address', () => {
    expect(accountFromIdToken({ email: 'mallory@example.com', email_verified: false, preferred_username: 'alice@contoso.com' })).toBe('alice@contoso.com');
    expect(accountFromIdToken({ sub: '1', preferred_username: 'Alice' })).toBeNull();
  });
});

describe('xoauth2User', () => {
  const settings = { username: '', senderAddress: 'relay@example.com' };
  it('logs in as the signed-in account, and as the configured user or sender only when the account is unknown', () => {
    expect(xoauth2User('alice@example.com', settings)).toBe('alice@example.com');
    expect(xoauth2User(null, settings)).toBe('relay@example.com');
    expect(xoauth2User('', { ...settings, username: 'shared@example.com' })).toBe('shared@example.com');
  });
});

describe('forgetsAccount', () => {
  const settings = {
    authType: 'oauth',
    oauthGrant: 'authorization_code',
    clientId: 'c',
    authorizationUrl: 'https://a.example/auth',
    tokenUrl: 'https://a.example/token',
    scope: 's',
    transport: 'smtp',
    host: 'smtp.example.com',
    port: 587,
    emailType: 'smtp',
    tls: true,
    allowInsecureAuth: false,
    caCertificate: '',
    apiUrl: '',
  } as const;

  it('forgets the account when the client, its grant, its endpoints, its scope or where its tokens go change, and keeps it otherwise', () => {
    expect(forgetsAccount(settings, { ...settings })).toBe(false);
    expect(forgetsAccount(null, settings)).toBe(false);
    const changes = [
      { clientId: 'd' },
      { oauthGrant: 'client_credentials' },
      { tokenUrl: 'https://b.example/token' },
      { scope: 's2' },
      { authType: 'basic' },
      // A stolen admin token moving the mail, and the bearer token with it, to a server of its own.
      { host: 'mail.attacker.example' },
      { port: 25 },
      { tls: false },
      { allowInsecureAuth: true },
      { emailType: 'smtps' },
      { caCertificate: 'PEM' },
      { transport: 'graph' },
      { apiUrl: 'https://graph.attacker.example' },
    ] as const;
    for (const change of changes) expect(forgetsAccount(settings, { ...settings, ...change }), JSON.stringify(change)).toBe(true);
  });
});

describe('refreshFailure', () => {
  it('loses the account only when the provider says the grant is gone, with its reason', () => {
    expect(refreshFailure({ code: 'OAUTH_REAUTH_REQUIRED', detail: 'AADSTS50173: the grant was revoked' })).toEqual({
      kind: 'grant-lost',
      code: 'OAUTH_REAUTH_REQUIRED',
      reason: 'AADSTS50173: the grant was revoked',
    });
  });

  it("keeps the account through a passing failure, and through one that is not the provider's answer at all", () => {
    expect(refreshFailure({ code: 'OAUTH_TOKEN_ENDPOINT_UNREACHABLE', detail: 'ECONNREFUSED' })).toEqual({
      kind: 'passing',
      code: 'OAUTH_TOKEN_ENDPOINT_UNREACHABLE',
    });
    expect(refreshFailure({ code: 'OAUTH_PROVIDER_ERROR' })).toEqual({ kind: 'passing', code: 'OAUTH_PROVIDER_ERROR' });
    expect(refreshFailure(null)).toEqual({ kind: 'passing', code: 'refresh failed' });
  });
});
