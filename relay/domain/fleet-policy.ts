/**
 * The enterprise policy that puts the extension on every managed browser: force-installed from this relay's update
 * URL, with the relay's URL and the enrollment token in the extension's managed storage. One file per platform,
 * ready to apply; the formats are Chrome's and Edge's documented ones (Chrome Enterprise policy list: ExtensionSettings;
 * "Configure policies for extensions" for the `3rdparty` values).
 */

export const POLICY_PLATFORMS = ['linux', 'windows', 'macos'] as const;
export type PolicyPlatform = (typeof POLICY_PLATFORMS)[number];

export interface FleetPolicyInput {
  extensionId: string;
  /** https://relay.example.com/extension/updates.xml */
  updateUrl: string;
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

export function fleetPolicy(platform: PolicyPlatform, p: FleetPolicyInput): PolicyFile {
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
  const text = lines.join('\r\n');
  return {
    fileName: 'guardmail.reg',
    contentType: 'text/plain; charset=utf-16le',
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
  };
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
  const payload = (type: string, name: string, values: Record<string, PlistValue>) => ({
    PayloadType: type,
    PayloadIdentifier: `${base}.${type}`,
    PayloadUUID: payloadUuid(`${base}.${type}`),
    PayloadVersion: 1,
    PayloadDisplayName: name,
    ...values,
  });
  const profile = {
    PayloadContent: [
      payload('com.google.Chrome', 'Guardmail for Google Chrome', { ExtensionSettings: extensionSettings(p) }),
      payload(`com.google.Chrome.extensions.${p.extensionId}`, 'Guardmail relay for Google Chrome', managedValues(p)),
      payload('com.microsoft.Edge', 'Guardmail for Microsoft Edge', { ExtensionSettings: extensionSettings(p) }),
      payload(`com.microsoft.Edge.extensions.${p.extensionId}`, 'Guardmail relay for Microsoft Edge', managedValues(p)),
    ],
    PayloadDisplayName: 'Guardmail',
    PayloadDescription: `Installs the Guardmail extension from ${p.relayUrl} and enrols the browser with it.`,
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
    plist(profile, ''),
    '</plist>',
    '',
  ].join('\n');
  return { fileName: 'guardmail.mobileconfig', contentType: 'application/x-apple-aspen-config', body: Buffer.from(text) };
}
