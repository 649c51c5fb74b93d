import * as v from 'valibot';
import { endpointUrl, isLoopbackHost, singleLine } from './mail-settings';
import type { AdminRole } from './roles';

/**
 * How admins sign in with the company's identity provider (OpenID Connect), as an owner configures it. Who gets which
 * role is a list per role: an entry holding "@" is an email address, matched against the ID token's verified `email`;
 * any other entry is a value of `roleClaim` (an Entra group's object ID or an app role's value, an Okta group's name).
 * The highest role listed wins; someone listed nowhere cannot sign in. The client secret is write-only, as the mail
 * settings' secrets are: omitted keeps it, null clears it, reads say only whether it is set.
 */

export const IDENTITY_PRESETS = ['entra', 'google', 'generic'] as const;
export type IdentityPreset = (typeof IDENTITY_PRESETS)[number];

/** The role lists' fields, highest role first: the order a sign-in is matched in. */
export const ROLE_LISTS = [
  ['owners', 'owner'],
  ['operators', 'operator'],
  ['viewers', 'viewer'],
] as const satisfies readonly (readonly [string, AdminRole])[];

/**
 * Entra ID's issuer for one tenant: its ID tokens name the tenant's GUID ("Microsoft identity platform ID tokens",
 * `iss`). The multi-tenant forms (common, organizations) would let any tenant's users in, and their metadata's issuer
 * holds a `{tenantid}` placeholder that no token matches.
 */
export const entraIssuer = (tenantId: string) => `https://login.microsoftonline.com/${tenantId}/v2.0`;
const ENTRA_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn'];
const ENTRA_PATH = /^\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/v2\.0\/?$/i;
/** Google's issuer ("OpenID Connect", Google Identity: the discovery document's `issuer`). */
export const GOOGLE_ISSUER = 'https://accounts.google.com';

const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const CLAIM_NAME = /^$|^[A-Za-z_][\w.:/-]{0,99}$/;
const MAX_MEMBERS = 200;

const members = (field: string) =>
  v.pipe(
    v.array(v.pipe(singleLine(field, 254), v.minLength(1, `${field}: an entry is empty.`)), `${field} must be a list of email addresses or claim values.`),
    v.maxLength(MAX_MEMBERS, `${field} holds at most ${MAX_MEMBERS} entries: map a group instead of listing its members.`),
  );

const isEmail = (entry: string) => entry.includes('@');

function issuerFits(preset: IdentityPreset, issuer: string): boolean {
  const url = new URL(issuer);
  const local = isLoopbackHost(url.hostname);
  if (preset === 'entra') return (local || ENTRA_HOSTS.includes(url.hostname)) && ENTRA_PATH.test(url.pathname);
  if (preset === 'google') return local || url.href.replace(/\/$/, '') === GOOGLE_ISSUER;
  return true;
}

/** Body of PUT /api/v1/identity. */
export const IdentityInput = v.pipe(
  v.strictObject(
    {
      preset: v.picklist(IDENTITY_PRESETS, `preset must be one of ${IDENTITY_PRESETS.join(', ')}.`),
      issuer: v.pipe(endpointUrl('issuer'), v.minLength(1, "issuer: give the identity provider's issuer URL.")),
      clientId: v.pipe(singleLine('clientId', 255), v.minLength(1, 'clientId: give the application (client) ID registered for Guardmail.')),
      clientSecret: v.optional(v.nullable(v.pipe(singleLine('clientSecret', 1024), v.minLength(1, 'clientSecret: empty; send null to clear it.')))),
      roleClaim: v.pipe(singleLine('roleClaim', 100), v.regex(CLAIM_NAME, 'roleClaim must be a claim name such as groups or roles, or empty.')),
      owners: members('owners'),
      operators: members('operators'),
      viewers: members('viewers'),
      hostedDomain: v.pipe(
        singleLine('hostedDomain', 253),
        v.check((s) => s === '' || DOMAIN.test(s), 'hostedDomain must be a domain such as example.com.'),
      ),
    },
    'Unknown field: only preset, issuer, clientId, clientSecret, roleClaim, owners, operators, viewers and hostedDomain are accepted.',
  ),
  v.forward(
    v.check(
      (i) => issuerFits(i.preset, i.issuer),
      'issuer: Entra ID names your tenant: https://login.microsoftonline.com/<tenant ID>/v2.0 (not common or organizations); Google is https://accounts.google.com.',
    ),
    ['issuer'],
  ),
  v.forward(
    v.check(
      (i) => i.preset !== 'google' || (i.roleClaim === '' && ROLE_LISTS.every(([list]) => i[list].every(isEmail))),
      "owners: Google's ID tokens carry no groups: list each admin's email address, and leave roleClaim empty.",
    ),
    ['owners'],
  ),
  v.forward(
    v.check((i) => i.preset !== 'google' || i.hostedDomain !== '', 'hostedDomain: give the Google Workspace domain, so that only its accounts sign in.'),
    ['hostedDomain'],
  ),
  v.forward(
    v.check(
      (i) => i.roleClaim !== '' || ROLE_LISTS.every(([list]) => i[list].every(isEmail)),
      'roleClaim: name the claim that carries the group or role values listed (Entra: groups or roles).',
    ),
    ['roleClaim'],
  ),
  v.forward(
    v.check((i) => ROLE_LISTS.some(([list]) => i[list].length > 0), 'owners: list who may sign in (an email address, a group or a role value), or nobody can.'),
    ['owners'],
  ),
);
export type IdentityParsed = v.InferOutput<typeof IdentityInput>;

/** The identity configuration as stored: everything but the client secret. */
export type IdentityConfig = Omit<IdentityParsed, 'clientSecret'>;

/** GET /api/v1/identity: the configuration, and only whether a client secret is set; null before the first save. */
export type IdentityView = IdentityConfig & { clientSecretSet: boolean };

/** Answer of POST /api/v1/sign-in/finish: the relay's own session for the admin, this once. */
export interface SignedInAnswer {
  session: string;
  name: string;
  role: AdminRole;
  expiresAt: string;
}

/** Whether an entry of a role list is an email address (else a claim value). */
export { isEmail as isEmailEntry };
