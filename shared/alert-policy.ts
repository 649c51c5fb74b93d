import * as v from 'valibot';
import { ALLOW_ENTRY } from './extension-risk';
import { EXTENSION_ID } from './extension-id';
import { LANGS } from './locales/lang';

/**
 * The product page's scale, worst first. "very_high" is "very highly vulnerable", "high" is "highly vulnerable".
 */
export const LEVELS = ['very_high', 'high', 'low', 'secure'] as const;
export type Level = (typeof LEVELS)[number];

/** True when `level` is at least as bad as `threshold`. */
export function atLeast(level: Level, threshold: Level): boolean {
  return LEVELS.indexOf(level) <= LEVELS.indexOf(threshold);
}

/**
 * Security baselines an admin may be audited against: DISA's STIG (Chrome's or Edge's, by the reporting browser) and
 * CIS's Google Chrome Benchmark at level 1 or level 2 (which includes level 1).
 */
export const BASELINES = ['stig', 'cis-l1', 'cis-l2'] as const;
export type Baseline = (typeof BASELINES)[number];

const email = v.pipe(v.string('Recipient must be text.'), v.trim(), v.maxLength(254), v.email('Recipient must be an email address such as it@example.com.'));
const extensionId = v.pipe(
  v.string('Extension id must be text.'),
  v.trim(),
  v.regex(EXTENSION_ID, 'Extension id must look like abcdefghijklmnopabcdefghijklmnop.'),
);
const version = v.pipe(v.string('Version must be text.'), v.regex(/^\d+(\.\d+){0,3}$/, 'Version must look like 131 or 131.0.6778.85.'));

/** GET/PUT /api/v1/alert-policy: who gets the mail, from which level, how often, and what the rules consider. */
export const AlertPolicy = v.strictObject(
  {
    recipients: v.pipe(v.array(email, 'recipients must be a list of addresses.'), v.maxLength(50, 'recipients must have at most 50 addresses.')),
    /** Devices at this level or worse are non-compliant and alerted. */
    threshold: v.optional(v.picklist(['very_high', 'high', 'low'], 'threshold must be "very_high", "high" or "low".'), 'high'),
    /** A device that stays at or above the threshold is alerted again only after this long. */
    cooldownMinutes: v.optional(
      v.pipe(v.number('cooldownMinutes must be a number.'), v.integer(), v.minValue(0), v.maxValue(43_200, 'cooldownMinutes must be at most 30 days.')),
      1440,
    ),
    /** Alerts that fall due within this window go out in one mail. */
    groupingWindowSeconds: v.optional(
      v.pipe(
        v.number('groupingWindowSeconds must be a number.'),
        v.integer(),
        v.minValue(0),
        v.maxValue(86_400, 'groupingWindowSeconds must be at most a day.'),
      ),
      300,
    ),
    language: v.optional(v.picklist(LANGS, `language must be one of ${LANGS.map((l) => `"${l}"`).join(', ')}.`), 'en'),
    /** Per browser name (Chrome, Edge, Chromium, Firefox): older versions are highly vulnerable. */
    minimumVersions: v.optional(
      v.pipe(
        v.record(v.pipe(v.string(), v.maxLength(50)), version, 'minimumVersions must map a browser name to a version.'),
        v.check((r) => Object.keys(r).length <= 20, 'minimumVersions must have at most 20 browsers.'),
      ),
      {},
    ),
    /** How long a browser may run a version its vendor has superseded on its channel (with vendor release data). */
    releaseGraceDays: v.optional(
      v.pipe(v.number('releaseGraceDays must be a number.'), v.integer(), v.minValue(0), v.maxValue(90, 'releaseGraceDays must be at most 90.')),
      7,
    ),
    /** How many major versions a browser may lag behind the newest one seen in the fleet (without vendor release data). */
    maxMajorsBehind: v.optional(v.pipe(v.number('maxMajorsBehind must be a number.'), v.integer(), v.minValue(0), v.maxValue(50)), 2),
    /** The baselines whose browser-setting rules make findings; none by default, as most fleets are not audited. */
    baselines: v.optional(
      v.pipe(
        v.array(v.picklist(BASELINES, `baselines must be a list of ${BASELINES.join(', ')}.`), 'baselines must be a list.'),
        v.maxLength(BASELINES.length),
      ),
      [],
    ),
    /** Extensions (or one version of one, or a permission on any) allowed despite their risk, developer mode or a change (shared/extension-risk.ts). */
    allowlist: v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.string('allowlist entries must be text.'),
            v.trim(),
            v.regex(ALLOW_ENTRY, 'allowlist entries must be an extension id, id=version, or permission:name (permission:cookies).'),
          ),
          'allowlist must be a list.',
        ),
        v.maxLength(1000),
      ),
      [],
    ),
    /** An extension whose risk score (shared/extension-risk.ts) reaches this makes its browser highly vulnerable. */
    extensionRiskThreshold: v.optional(
      v.pipe(v.number('extensionRiskThreshold must be a number.'), v.integer(), v.minValue(1), v.maxValue(100, 'extensionRiskThreshold must be 1 to 100.')),
      40,
    ),
    /** Extensions that make a browser very highly vulnerable wherever they are installed. */
    blocklist: v.optional(v.pipe(v.array(extensionId, 'blocklist must be a list of extension ids.'), v.maxLength(1000)), []),
  },
  'Unknown field: remove it.',
);
export type AlertPolicy = v.InferOutput<typeof AlertPolicy>;

export const DEFAULT_POLICY: AlertPolicy = v.parse(AlertPolicy, { recipients: [] });
