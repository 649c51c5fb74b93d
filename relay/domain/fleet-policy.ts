/**
 * The enterprise policy that puts the extension on every managed browser: force-installed from this relay, with the
 * relay's URL and the enrollment token in the extension's managed storage. One file per platform and browser family,
 * ready to apply; the formats are the vendors' documented ones: Chrome's and Edge's (Chrome Enterprise policy list:
 * ExtensionSettings; "Configure policies for extensions" for the `3rdparty` values), and Firefox's
 * (github.com/mozilla/policy-templates: ExtensionSettings and 3rdparty, in policies.json, GPO and macOS forms).
 */

export const POLICY_PLATFORMS = ['linux', 'windows', 'macos'] as const;
export type PolicyPlatform = (typeof POLICY_PLATFORMS)[number];
/** Chrome, Chromium and Edge read the same policies; Firefox its own. */
export const POLICY_BROWSERS = ['chromium', 'firefox'] as const;
export type PolicyBrowser = (typeof POLICY_BROWSERS)[number];

export interface FleetPolicyInput {
  extensionId: string;
  /** https://relay.example.com/extension/updates.xml */
  updateUrl: string;
  /** The Firefox add-on's ID, and the XPI the policy installs it from (updates then come from its manifest's update_url). */
  firefoxId: string;
  firefoxInstallUrl: string;
  relayUrl: string;
  enrollmentToken: string;
}

export interface PolicyFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

/**
 * ExtensionSettings: install it, keep it, and update it from the relay too. Without override_update_url a browser
 * looks for updates at the manifest's update URL, which a build made before the relay's address is known cannot name.
 */
function extensionSettings(p: FleetPolicyInput) {
  return { [p.extensionId]: { installation_mode: 'force_installed', update_url: p.updateUrl, override_update_url: true } };
}

const managedValues = (p: FleetPolicyInput) => ({ relayUrl: p.relayUrl, enrollmentToken: p.enrollmentToken });

export function fleetPolicy(platform: PolicyPlatform, p: FleetPolicyInput, browser: PolicyBrowser = 'chromium'): PolicyFile {
  if (browser === 'firefox') return platform === 'linux' ? firefoxLinux(p) : platform === 'windows' ? firefoxWindows(p) : firefoxMacos(p);
  if (platform === 'linux') return linux(p);
  return platform === 'windows' ? windows(p) : macos(p);
}

/**
 * One JSON file that Chrome, Chromium and Edge all read from their managed policy folders
 * (/etc/opt/chrome/policies/managed, /etc/chromium/policies/managed, /etc/opt/edge/policies/managed).
 */
function linux(p: FleetPolicyInput): PolicyFile {
  const policy = { ExtensionSettings: extensionSettings(p), '3rdparty': { extensions: { [p.extensionId]: managedValues(p) } } };
  return { fileName: 'guardmail.json', contentType: 'application/json', body: Buffer.from(`${JSON.stringify(policy, null, 2)}\n`) };
}

/** A .reg string: backslashes and quotes escaped, as regedit reads them. */
const regString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * A .reg file for Chrome and Edge under HKLM (machine policy, which off-store force-install needs), in the UTF-16
 * little-endian with BOM and CRLF lines that regedit writes itself. ExtensionSettings is the JSON string Chrome and
 * Edge accept for a dictionary policy.
 */
function windows(p: FleetPolicyInput): PolicyFile {
  const lines = ['Windows Registry Editor Version 5.00', ''];
  for (const vendor of ['Google\\Chrome', 'Microsoft\\Edge']) {
    const root = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\${vendor}`;
    lines.push(`[${root}]`, `"ExtensionSettings"=${regString(JSON.stringify(extensionSettings(p)))}`, '');
    lines.push(`[${root}\\3rdparty\\extensions\\${p.extensionId}\\policy]`);
    for (const [name, value] of Object.entries(managedValues(p))) lines.push(`"${name}"=${regString(value)}`);
    lines.push('');
  }
  return regFile('guardmail.reg', lines);
}

/** The .reg file regedit writes itself: UTF-16 little-endian with BOM, CRLF lines. */
function regFile(fileName: string, lines: string[]): PolicyFile {
  const text = lines.join('\r\n');
  return { fileName, contentType: 'text/plain; charset=utf-16le', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type PlistValue = string | number | boolean | { [key: string]: PlistValue } | PlistValue[];

function plist(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${xml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${value}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (Array.isArray(value)) return [`${indent}<array>`, ...value.map((v) => plist(v, `${indent}  `)), `${indent}</array>`].join('\n');
  const entries = Object.entries(value).flatMap(([k, v]) => [`${indent}  <key>${xml(k)}</key>`, plist(v, `${indent}  `)]);
  return [`${indent}<dict>`, ...entries, `${indent}</dict>`].join('\n');
}

/** A stable UUID per payload, so applying a newer profile replaces the old one instead of adding another. */
function payloadUuid(seed: string): string {
  let h = 0x811c9dc5;
  const bytes: number[] = [];
  for (let round = 0; bytes.length < 16; round++) {
    for (const ch of `${round}:${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    bytes.push(h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, (h >>> 24) & 0xff);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A configuration profile for an MDM (or installed by hand on a test Mac): Chrome's and Edge's ExtensionSettings, and
 * the extension's managed storage in the com.google.Chrome.extensions.<id> and com.microsoft.Edge.extensions.<id>
 * preference domains, where both browsers read an extension's policy on macOS.
 */
function macos(p: FleetPolicyInput): PolicyFile {
  const base = `com.guardmail.${p.extensionId}`;
  const payload = payloadOf(base);
  return profile('guardmail.mobileconfig', base, p.relayUrl, [
    payload('com.google.Chrome', 'Guardmail for Google Chrome', { ExtensionSettings: extensionSettings(p) }),
    payload(`com.google.Chrome.extensions.${p.extensionId}`, 'Guardmail relay for Google Chrome', managedValues(p)),
    payload('com.microsoft.Edge', 'Guardmail for Microsoft Edge', { ExtensionSettings: extensionSettings(p) }),
    payload(`com.microsoft.Edge.extensions.${p.extensionId}`, 'Guardmail relay for Microsoft Edge', managedValues(p)),
  ]);
}

/** One payload of a configuration profile, identified under `base` so a newer profile replaces it. */
function payloadOf(base: string) {
  return (type: string, name: string, values: Record<string, PlistValue>) => ({
    PayloadType: type,
    PayloadIdentifier: `${base}.${type}`,
    PayloadUUID: payloadUuid(`${base}.${type}`),
    PayloadVersion: 1,
    PayloadDisplayName: name,
    ...values,
  });
}

function profile(fileName: string, base: string, relayUrl: string, content: PlistValue[]): PolicyFile {
  const value = {
    PayloadContent: content,
    PayloadDisplayName: 'Guardmail',
    PayloadDescription: `Installs the Guardmail extension from ${relayUrl} and enrols the browser with it.`,
    PayloadIdentifier: base,
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: payloadUuid(base),
    PayloadVersion: 1,
  };
  const text = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plist(value, ''),
    '</plist>',
    '',
  ].join('\n');
  return { fileName, contentType: 'application/x-apple-aspen-config', body: Buffer.from(text) };
}

/**
 * Firefox's ExtensionSettings: install it from the relay and keep it. There is no update_url override as in Chromium:
 * the XPI's manifest names the relay's updates.json (relay/extension/firefox-package.ts).
 */
const firefoxPolicies = (p: FleetPolicyInput) => ({
  ExtensionSettings: { [p.firefoxId]: { installation_mode: 'force_installed', install_url: p.firefoxInstallUrl } },
  '3rdparty': { Extensions: { [p.firefoxId]: managedValues(p) } },
});

/**
 * policies.json for /etc/firefox/policies/ (Debian's firefox-esr reads it there too; a Firefox from Mozilla's tarball
 * also reads distribution/ beside its executable). Firefox reads one policies.json: merging with an existing one is in
 * the Firefox section of docs/guide.md.
 */
function firefoxLinux(p: FleetPolicyInput): PolicyFile {
  return { fileName: 'policies.json', contentType: 'application/json', body: Buffer.from(`${JSON.stringify({ policies: firefoxPolicies(p) }, null, 2)}\n`) };
}

/** REG_MULTI_SZ as a .reg file writes it: hex(7), the UTF-16LE string, its terminator and the list's. */
const regMultiString = (s: string) => `hex(7):${[...Buffer.from(`${s}\0\0`, 'utf16le')].map((b) => b.toString(16).padStart(2, '0')).join(',')}`;

/**
 * A .reg file for Firefox under HKLM\SOFTWARE\Policies\Mozilla\Firefox: ExtensionSettings and the extension's
 * 3rdparty values as JSON in REG_MULTI_SZ, the form Mozilla documents for object policies (Firefox's GPO reader parses
 * a REG_MULTI_SZ as JSON; a REG_SZ stays a string, which the object-typed ExtensionSettings refuses).
 */
function firefoxWindows(p: FleetPolicyInput): PolicyFile {
  const policies = firefoxPolicies(p);
  const root = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox';
  return regFile('guardmail-firefox.reg', [
    'Windows Registry Editor Version 5.00',
    '',
    `[${root}]`,
    `"ExtensionSettings"=${regMultiString(JSON.stringify(policies.ExtensionSettings))}`,
    '',
    `[${root}\\3rdparty\\Extensions]`,
    `${regString(p.firefoxId)}=${regMultiString(JSON.stringify(managedValues(p)))}`,
    '',
  ]);
}

/** A configuration profile for Firefox's preference domain, org.mozilla.firefox, where EnterprisePoliciesEnabled turns policies on. */
function firefoxMacos(p: FleetPolicyInput): PolicyFile {
  const base = `com.guardmail.firefox.${p.firefoxId}`;
  return profile('guardmail-firefox.mobileconfig', base, p.relayUrl, [
    payloadOf(base)('org.mozilla.firefox', 'Guardmail for Firefox', { EnterprisePoliciesEnabled: true, ...firefoxPolicies(p) }),
  ]);
}
