import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { IdentityInput, type IdentityConfig } from '../../shared/identity';
import { checkSignInCallback, decideRole, signInParams } from './sign-in';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const entra: IdentityConfig = {
  preset: 'entra',
  issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
  clientId: 'app',
  roleClaim: 'roles',
  owners: ['Guardmail.Owner', 'boss@contoso.example'],
  operators: ['Guardmail.Operator'],
  viewers: ['Guardmail.Viewer'],
  hostedDomain: '',
};
const google: IdentityConfig = {
  preset: 'google',
  issuer: 'https://accounts.google.com',
  clientId: 'app',
  roleClaim: '',
  owners: ['ana@example.com'],
  operators: [],
  viewers: ['vic@example.com'],
  hostedDomain: 'example.com',
};

describe('decideRole', () => {
  it('gives the highest role any list names, by claim value or by address', () => {
    expect(decideRole(entra, { sub: 's', email: 'x@contoso.example', roles: ['Guardmail.Viewer', 'Guardmail.Operator'] })).toEqual({
      ok: true,
      name: 'x@contoso.example',
      role: 'operator',
    });
    expect(decideRole(entra, { sub: 's', email: 'Boss@Contoso.example', roles: ['Guardmail.Viewer'] })).toMatchObject({ ok: true, role: 'owner' });
    expect(decideRole(entra, { sub: 's', preferred_username: 'p@contoso.example', roles: 'Guardmail.Viewer' })).toMatchObject({
      ok: true,
      name: 'p@contoso.example',
      role: 'viewer',
    });
  });

  it('never matches an address the provider says is unverified, nor a claim value that only looks like an entry', () => {
    expect(decideRole(google, { sub: 's', email: 'ana@example.com', email_verified: false, hd: 'example.com' })).toMatchObject({
      ok: false,
      code: 'SIGN_IN_NO_ROLE',
    });
    expect(decideRole(entra, { sub: 's', email: 'x@contoso.example', groups: ['Guardmail.Owner'] })).toMatchObject({ ok: false, code: 'SIGN_IN_NO_ROLE' });
    expect(decideRole(entra, { sub: 's', roles: ['boss@contoso.example'] })).toMatchObject({ ok: false, code: 'SIGN_IN_NO_ROLE' });
    // Outside Entra, an address without email_verified decides nothing.
    expect(decideRole({ ...entra, preset: 'generic' }, { sub: 's', email: 'boss@contoso.example' })).toMatchObject({ ok: false });
  });

  it('refuses a Google account outside the Workspace domain, whatever its address says', () => {
    expect(decideRole(google, { sub: 's', email: 'ana@example.com', email_verified: true })).toMatchObject({ ok: false, code: 'SIGN_IN_WRONG_DOMAIN' });
    expect(decideRole(google, { sub: 's', email: 'ana@example.com', email_verified: true, hd: 'evil.example' })).toMatchObject({
      ok: false,
      code: 'SIGN_IN_WRONG_DOMAIN',
    });
    expect(decideRole(google, { sub: 's', email: 'ana@example.com', email_verified: true, hd: 'example.com' })).toMatchObject({ ok: true, role: 'owner' });
  });

  it('says so when Entra left the groups out (the overage claim)', () => {
    const config = { ...entra, roleClaim: 'groups', owners: ['8f0ab3c2-5a7e-4f1b-9d3e-0c2b1a7f6e01'] };
    expect(decideRole(config, { sub: 's', _claim_names: { groups: 'src1' } })).toMatchObject({ ok: false, code: 'SIGN_IN_GROUPS_OVERAGE' });
  });

  it('names the admin on one bounded line, whatever the token says', () => {
    expect(decideRole(entra, { sub: 's', email: 'boss@contoso.example\r\nBcc: x', roles: ['Guardmail.Viewer'] })).toMatchObject({
      name: 'boss@contoso.example Bcc: x',
    });
    expect(decideRole(entra, { sub: 'x'.repeat(1000), roles: ['Guardmail.Viewer'] }).name).toHaveLength(254);
  });
});

describe('checkSignInCallback', () => {
  const pending = { redirectUri: 'https://abc.chromiumapp.org/', expiresAt: 1_000, used: false };
  it('takes only the sign-in it began, on its redirect URL, once, in time', () => {
    const url = new URL('https://abc.chromiumapp.org/?code=c&state=s');
    expect(checkSignInCallback(pending, url, 500)).toEqual({ ok: true });
    expect(checkSignInCallback(null, url, 500)).toMatchObject({ code: 'SIGN_IN_UNKNOWN' });
    expect(checkSignInCallback({ ...pending, used: true }, url, 500)).toMatchObject({ code: 'SIGN_IN_ALREADY_USED' });
    expect(checkSignInCallback(pending, url, 1_001)).toMatchObject({ code: 'SIGN_IN_EXPIRED' });
    expect(checkSignInCallback(pending, new URL('https://evil.example/?code=c&state=s'), 500)).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'callbackUrl',
    });
  });

  it("quotes the provider's refusal on one line", () => {
    const url = new URL('https://abc.chromiumapp.org/?state=s&error=access_denied&error_description=AADSTS50105%3A%20not%20assigned%0Aforged');
    expect(checkSignInCallback(pending, url, 500)).toEqual({
      ok: false,
      code: 'SIGN_IN_REFUSED',
      message: 'The identity provider refused the sign-in (access_denied: AADSTS50105: not assigned forged).',
    });
  });
});

describe('the identity settings', () => {
  const parse = (input: Record<string, unknown>) => v.safeParse(IdentityInput, { ...entra, ...input });
  const firstIssue = (input: Record<string, unknown>) => {
    const result = parse(input);
    return result.success ? null : { field: v.getDotPath(result.issues[0]), message: result.issues[0].message };
  };

  it("takes Entra ID only with the tenant's own issuer", () => {
    expect(parse({}).success).toBe(true);
    expect(firstIssue({ issuer: 'https://login.microsoftonline.com/organizations/v2.0' })).toMatchObject({ field: 'issuer' });
    expect(firstIssue({ issuer: 'https://login.microsoftonline.com/common/v2.0' })).toMatchObject({ field: 'issuer' });
    expect(firstIssue({ issuer: `https://evil.example/${TENANT}/v2.0` })).toMatchObject({ field: 'issuer' });
  });

  it('takes Google with its issuer, a Workspace domain and addresses only', () => {
    const g = (input: Record<string, unknown>) => v.safeParse(IdentityInput, { ...google, ...input });
    expect(g({}).success).toBe(true);
    expect(g({ hostedDomain: '' }).success).toBe(false);
    expect(g({ roleClaim: 'groups', owners: ['admins'] }).success).toBe(false);
    expect(g({ issuer: 'https://accounts.google.com.evil.example' }).success).toBe(false);
  });

  it('asks for the claim a group or role entry is read from, and for somebody to sign in', () => {
    expect(firstIssue({ roleClaim: '' })).toMatchObject({ field: 'roleClaim' });
    expect(firstIssue({ owners: [], operators: [], viewers: [] })).toMatchObject({ field: 'owners' });
    expect(firstIssue({ owners: ['a\u202eb'] })).toMatchObject({ field: 'owners.0' });
  });
});

describe('signInParams', () => {
  it("asks Google for the Workspace domain's accounts, as a hint", () => {
    expect(signInParams(google)).toEqual({ scope: 'openid email profile', hd: 'example.com' });
    expect(signInParams(entra)).toEqual({ scope: 'openid email profile' });
  });
});
