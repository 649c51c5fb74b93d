import * as v from 'valibot';
import { EXTENSION_ID } from './extension-id';
import type { ErrorCode } from './errors';
import { oneLine } from './text';

/**
 * A compliance report: raw facts a managed browser collects about itself. The relay decides what they mean (rules in
 * shared/checks), so the browser never needs to know the policy. Every list and string is capped.
 */

export const MAX_EXTENSIONS = 500;
export const MAX_PERMISSIONS = 200;
export const MAX_SETTINGS = 50;

/**
 * A list whose length is checked before its items: an over-long list costs one comparison, not an issue per element
 * (valibot checks a pipe's actions after its schema, so `v.pipe(v.array(item), v.maxLength(n))` would judge every item
 * of a 170,000-element list first).
 */
const boundedList = <T extends v.GenericSchema>(field: string, item: T, max: number) =>
  v.pipe(v.array(v.unknown(), `${field} must be a list.`), v.maxLength(max, `${field} must have at most ${max} entries.`), v.array(item));

const text = (field: string, max: number) =>
  v.pipe(v.string(`${field} must be text.`), v.maxLength(max, `${field} must be at most ${max} characters.`), v.transform(oneLine));
const id = (field: string) => v.pipe(text(field, 64), v.regex(/^[\w-]{8,64}$/, `${field} must be 8 to 64 letters, digits, - or _.`));

export const INSTALL_TYPES = ['admin', 'development', 'normal', 'sideload', 'other'] as const;
/** chrome.management's ExtensionType and Firefox's add-on types; anything else is "other". */
export const EXTENSION_TYPES = ['extension', 'hosted_app', 'packaged_app', 'legacy_packaged_app', 'theme', 'login_screen_extension', 'other'] as const;
/** Why the browser disabled it: Chromium says `permissions_increase` when an update asked for new warning-level permissions. */
export const DISABLED_REASONS = ['unknown', 'permissions_increase'] as const;

export const ExtensionFacts = v.strictObject({
  id: v.pipe(text('Extension id', 128), v.regex(EXTENSION_ID, 'Extension id must be letters, digits and @ . { } + - _ only.')),
  name: text('Extension name', 200),
  // Chrome's are one to four numbers; Firefox's may carry letters (1.0b2).
  version: v.pipe(text('Extension version', 50), v.regex(/^[\w.+-]{1,50}$/, 'Extension version must look like 1.2.3 (letters, digits and . + - _).')),
  enabled: v.boolean('enabled must be true or false.'),
  installType: v.picklist(INSTALL_TYPES, `installType must be one of ${INSTALL_TYPES.join(', ')}.`),
  permissions: boundedList('permissions', text('Permission', 200), MAX_PERMISSIONS),
  hostPermissions: boundedList('hostPermissions', text('Host permission', 500), MAX_PERMISSIONS),
  // Reported by extensions from this version on; older ones send none.
  updateUrl: v.optional(text('updateUrl', 500)),
  type: v.optional(v.picklist(EXTENSION_TYPES, `type must be one of ${EXTENSION_TYPES.join(', ')}.`)),
  mayDisable: v.optional(v.boolean('mayDisable must be true or false.')),
  disabledReason: v.optional(v.picklist(DISABLED_REASONS, `disabledReason must be one of ${DISABLED_REASONS.join(', ')}.`)),
});
export type ExtensionFacts = v.InferOutput<typeof ExtensionFacts>;

export const SettingFacts = v.strictObject({
  /** The privacy.* setting's path, e.g. "services.safeBrowsingEnabled". */
  name: v.pipe(text('Setting name', 100), v.regex(/^[\w.]+$/, 'Setting name must be a dotted name.')),
  value: v.union(
    [v.boolean(), v.pipe(v.string(), v.maxLength(200), v.transform(oneLine)), v.number(), v.null()],
    'Setting value must be a boolean, text of at most 200 characters, a number or null.',
  ),
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
  {
    kty: v.literal('EC', 'deviceKey.kty must be "EC".'),
    crv: v.literal('P-256', 'deviceKey.crv must be "P-256".'),
    x: base64url('deviceKey.x'),
    y: base64url('deviceKey.y'),
  },
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
      version: v.pipe(
        text('Browser version', 50),
        v.regex(/^\d{1,3}(\.\d{1,6}){0,3}$/, 'Browser version must look like 131.0.6778.85 (a major of at most 3 digits).'),
      ),
    }),
    os: v.strictObject({ platform: text('OS platform', 50), version: v.optional(text('OS version', 50), '') }),
    extensions: boundedList('extensions', ExtensionFacts, MAX_EXTENSIONS),
    settings: boundedList('settings', SettingFacts, MAX_SETTINGS),
    /** Sent by extensions that sign their reports; older ones send none (see the README's threat model). */
    deviceKey: v.optional(DeviceKey),
  },
  'Unknown field: remove it.',
);
export type ComplianceReport = v.InferOutput<typeof ComplianceReport>;

/**
 * How a browser sends its reports (extension/entrypoints/background/reporting.ts), written once for the extension and
 * for the device simulator that behaves as it does (bench/simulator).
 *
 * A burst of changes (five extensions installed, a settings page toggled) makes one report. Three seconds covers a
 * person's burst, keeps a change to the mail under ten seconds with a zero grouping window, and with the relay's burst
 * of 10 reports a device cannot reach its limit in less than 30 seconds of non-stop changes.
 */
export const COALESCE_MS = 3_000;
/** Reports a browser keeps while the relay cannot take them; the oldest go first past it. */
export const QUEUE_LIMIT = 20;
/** A report refused with 429 RATE_LIMITED goes again this long after: the relay admits one every 2 minutes after a burst of 10. */
export const RETRY_AFTER_MINUTES = 2;
/** The relay refused the report itself, or as older than one it applied (replayed): sending it again cannot succeed. */
export const INVALID_REPORT: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'BODY_TOO_LARGE',
  'REPORT_UNPROCESSABLE',
  'REPORT_REPLAYED',
]);
