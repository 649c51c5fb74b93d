import * as v from 'valibot';

/**
 * A compliance report: raw facts a managed browser collects about itself. The relay decides what they mean (rules in
 * shared/checks), so the browser never needs to know the policy. Every list and string is capped.
 */

export const MAX_EXTENSIONS = 500;
export const MAX_PERMISSIONS = 200;
export const MAX_SETTINGS = 50;

/**
 * Control characters (C0, C1), line and paragraph separators and bidirectional overrides, which a browser's user can put
 * into an extension's name or a setting and which would start new lines in mail, logs and the popup, or reorder text.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** Replaces what UNSAFE matches with a space: every string a report carries is one harmless line. */
export const oneLine = (s: string) => s.replace(UNSAFE, ' ');

const text = (field: string, max: number) =>
  v.pipe(v.string(`${field} must be text.`), v.maxLength(max, `${field} must be at most ${max} characters.`), v.transform(oneLine));
const id = (field: string) => v.pipe(text(field, 64), v.regex(/^[\w-]{8,64}$/, `${field} must be 8 to 64 letters, digits, - or _.`));

export const INSTALL_TYPES = ['admin', 'development', 'normal', 'sideload', 'other'] as const;

export const ExtensionFacts = v.strictObject({
  id: v.pipe(text('Extension id', 128), v.nonEmpty('Extension id must not be empty.')),
  name: text('Extension name', 200),
  version: text('Extension version', 50),
  enabled: v.boolean('enabled must be true or false.'),
  installType: v.picklist(INSTALL_TYPES, `installType must be one of ${INSTALL_TYPES.join(', ')}.`),
  permissions: v.pipe(v.array(text('Permission', 200), 'permissions must be a list.'), v.maxLength(MAX_PERMISSIONS, `permissions must have at most ${MAX_PERMISSIONS} entries.`)),
  hostPermissions: v.pipe(v.array(text('Host permission', 500), 'hostPermissions must be a list.'), v.maxLength(MAX_PERMISSIONS, `hostPermissions must have at most ${MAX_PERMISSIONS} entries.`)),
});
export type ExtensionFacts = v.InferOutput<typeof ExtensionFacts>;

export const SettingFacts = v.strictObject({
  /** The privacy.* setting's path, e.g. "services.safeBrowsingEnabled". */
  name: v.pipe(text('Setting name', 100), v.regex(/^[\w.]+$/, 'Setting name must be a dotted name.')),
  value: v.union([v.boolean(), v.pipe(v.string(), v.maxLength(200), v.transform(oneLine)), v.number(), v.null()], 'Setting value must be a boolean, text of at most 200 characters, a number or null.'),
  /** Whether policy (or another extension) fixes the value, so the user cannot change it. */
  locked: v.boolean('locked must be true or false.'),
});
export type SettingFacts = v.InferOutput<typeof SettingFacts>;

/** Headers of a signed report: the device's signature over `${timestamp}.${body}`, and that time in ms since the epoch. */
export const SIGNATURE_HEADER = 'X-Guardmail-Signature';
export const TIMESTAMP_HEADER = 'X-Guardmail-Timestamp';

const base64url = (field: string) => v.pipe(v.string(`${field} must be text.`), v.regex(/^[\w-]{43}$/, `${field} must be 43 base64url characters.`));

/** The device's public key (JWK, ECDSA P-256): registered by its first signed report, then required. */
export const DeviceKey = v.strictObject(
  { kty: v.literal('EC', 'deviceKey.kty must be "EC".'), crv: v.literal('P-256', 'deviceKey.crv must be "P-256".'), x: base64url('deviceKey.x'), y: base64url('deviceKey.y') },
  'Unknown field: remove it.',
);
export type DeviceKey = v.InferOutput<typeof DeviceKey>;

export const ComplianceReport = v.strictObject(
  {
    reportId: id('reportId'),
    deviceId: id('deviceId'),
    deviceLabel: v.optional(text('deviceLabel', 100), ''),
    collectedAt: v.pipe(v.string('collectedAt must be text.'), v.isoTimestamp('collectedAt must be an ISO 8601 time.')),
    browser: v.strictObject({
      name: v.pipe(text('Browser name', 50), v.nonEmpty('Browser name must not be empty.')),
      // Bounded before anything compares or stores it: a major of at most 3 digits, other parts of at most 6.
      version: v.pipe(text('Browser version', 50), v.regex(/^\d{1,3}(\.\d{1,6}){0,3}$/, 'Browser version must look like 131.0.6778.85 (a major of at most 3 digits).')),
    }),
    os: v.strictObject({ platform: text('OS platform', 50), version: v.optional(text('OS version', 50), '') }),
    extensions: v.pipe(v.array(ExtensionFacts, 'extensions must be a list.'), v.maxLength(MAX_EXTENSIONS, `extensions must have at most ${MAX_EXTENSIONS} entries.`)),
    settings: v.pipe(v.array(SettingFacts, 'settings must be a list.'), v.maxLength(MAX_SETTINGS, `settings must have at most ${MAX_SETTINGS} entries.`)),
    /** Sent by extensions that sign their reports; older ones send none (see the README's threat model). */
    deviceKey: v.optional(DeviceKey),
  },
  'Unknown field: remove it.',
);
export type ComplianceReport = v.InferOutput<typeof ComplianceReport>;
