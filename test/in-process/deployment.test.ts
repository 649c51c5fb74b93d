import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buffer } from 'node:stream/consumers';
import { join, resolve } from 'node:path';
import { parse as parsePlist } from 'plist';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_ID, FIREFOX_DEV_ADDON_ID, FIREFOX_DEV_REDIRECT_URL } from '../../shared/extension';
import type { DeploymentAnswer } from '../../shared/api';
import { FleetExtension } from '../../relay/extension/fleet-extension';
import { extensionIdOf, firefoxRedirectUrl, loadSigningKey } from '../../relay/extension/signing-key';
import { createLogger } from '../../relay/log';
import { createTestRelay, fleetExtensionOf, keptStore, type TestRelay } from '../fixtures/relay';
import { report } from '../fixtures/reports';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const silent = createLogger('silent');

/** A build as wxt writes one: enough for Chromium's packer rules (a manifest at the root) and for the tests. */
function fakeBuild(version = '1.2.3'): string {
  const dir = tmp('guardmail-build-');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Guardmail', version, key: 'the development key' }));
  mkdirSync(join(dir, 'chunks'));
  writeFileSync(join(dir, 'background.js'), 'console.log("worker")');
  writeFileSync(join(dir, 'chunks', 'popup.js'), 'console.log("popup")');
  return dir;
}

/** Chrome's ExtensionSettings entry for one extension, as its policy list documents the keys this relay writes. */
const ExtensionSettingsEntry = v.strictObject({
  installation_mode: v.picklist(['allowed', 'blocked', 'force_installed', 'normal_installed', 'removed']),
  update_url: v.pipe(v.string(), v.url()),
  override_update_url: v.boolean(),
});

/** The extension's own managed-storage schema: every value the policy sets must be a declared property of its type. */
const managedSchema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../extension/public/managed-schema.json'), 'utf8')) as {
  properties: Record<string, { type: string }>;
};
function matchesManagedSchema(values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([k, value]) => {
    const type = managedSchema.properties[k]?.type;
    return type === 'string' ? typeof value === 'string' : type === 'integer' ? Number.isInteger(value) : false;
  });
}

/** Reads a .reg file as regedit does: UTF-16LE with BOM, "[key]" sections, "name"="value" lines with \\ and \" escaped. */
function parseReg(bytes: Buffer): Record<string, Record<string, string>> {
  expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
  const lines = bytes.subarray(2).toString('utf16le').split('\r\n');
  expect(lines[0]).toBe('Windows Registry Editor Version 5.00');
  const keys: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | null = null;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = keys[section[1]!] = {};
      continue;
    }
    // REG_MULTI_SZ, as regedit writes it: hex(7): then the UTF-16LE bytes, each string ended by a NUL, the list by
    // another; read with its strings joined by newlines, as Firefox's GPO reader does before parsing it as JSON.
    const multi = /^"([^"\\]+)"=hex\(7\):([0-9a-f]{2}(?:,[0-9a-f]{2})*)$/.exec(line);
    if (multi && current) {
      const text = Buffer.from(multi[2]!.split(',').map((b) => Number.parseInt(b, 16))).toString('utf16le');
      expect(text.endsWith('\0\0')).toBe(true);
      current[multi[1]!] = text.slice(0, -2).replace(/\0/g, '\n');
      continue;
    }
    const value = /^"([^"\\]+)"="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!value || !current) throw new Error(`not a .reg line: ${line}`);
    current[value[1]!] = value[2]!.replace(/\\(.)/g, '$1');
  }
  return keys;
}

describe('the extension signing key', () => {
  it("gives the ID Chromium derives from a public key (the development build's key gives its known ID)", () => {
    const devKey =
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn1+hj/ElnbnxxuIPFSOMyhbLaneF89rLzj6NftUxcdNqu3pOmoRamnAgcMAWqMftO9/n8AcoqgZDgAX8C0CxgDhtj4HXyLhJZGvNwcS+QZfFupUX1UIGz//TW/eau2iDcrOEpHDndaUzdPFHG73o1AH45gw9p9uZfO0QYEkhAbTjV1IWCH8/2eIcYAQCyGIXZC52uLketIK1WFNrqgUr1aWPEZ/ODyN7F0LwJoT+Zn3EOMr6WCrpCQksicEHJzTf3JKXfwX7n3USZorRRROb8efLaceoJ296P5wzWKzX++Zj1EEYJeXG7uGApeXjMHhniglJP1rhLgEKWxVEYUYTsQIDAQAB';
    expect(extensionIdOf(Buffer.from(devKey, 'base64'))).toBe(EXTENSION_ID);
  });

  it("gives Firefox's redirect URL for an add-on ID (the development build's, as Firefox 153 answered it)", () => {
    expect(firefoxRedirectUrl(FIREFOX_DEV_ADDON_ID)).toBe(FIREFOX_DEV_REDIRECT_URL);
  });

  it("is made once, readable only by the relay's user, and gives the same identity at every start", () => {
    const file = join(tmp('guardmail-key-'), 'extension-signing-key.pem');
    const first = loadSigningKey(file, true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toMatchObject({ origin: `chrome-extension://${first.id}`, redirectUrl: `https://${first.id}.chromiumapp.org/` });
    expect(loadSigningKey(file, true)).toEqual(first);
    expect(extensionIdOf(Buffer.from(first.manifestKey, 'base64'))).toBe(first.id);
  });

  it("refuses an operator's key file that is missing or not RSA, naming it", () => {
    const dir = tmp('guardmail-key-');
    expect(() => loadSigningKey(join(dir, 'missing.pem'), false)).toThrow(`the extension signing key ${join(dir, 'missing.pem')} does not exist`);
    const ec = join(dir, 'ec.pem');
    writeFileSync(
      ec,
      generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
    );
    expect(() => loadSigningKey(ec, false)).toThrow(/cannot be read: it is an ec key; Chromium signs extensions with RSA/);
  });
});

describe("the fleet's extension", () => {
  it("is signed as a CRX3 and copied unpacked with the signing key's manifest key, and packed again for a new build", async () => {
    const buildDir = fakeBuild();
    const outDir = tmp('guardmail-out-');
    const identity = loadSigningKey(join(outDir, 'key.pem'), true);
    const extension = new FleetExtension({ buildDir, outDir: join(outDir, 'extension'), identity, logger: silent });
    const packed = (await extension.current())!;
    expect(packed).toMatchObject({ version: '1.2.3', crxName: 'guardmail-1.2.3.crx' });
    const crx = readFileSync(packed.crxFile);
    // "Cr24", format version 3 (little-endian), then the header's length: Chromium's CRX3 layout.
    expect(crx.subarray(0, 4).toString()).toBe('Cr24');
    expect(crx.readUInt32LE(4)).toBe(3);
    expect(crx.subarray(12 + crx.readUInt32LE(8), 16 + crx.readUInt32LE(8)).toString('latin1')).toBe('PK\u0003\u0004');
    const manifest = JSON.parse(readFileSync(join(packed.unpackedDir, 'manifest.json'), 'utf8')) as { key: string };
    expect(manifest.key).toBe(identity.manifestKey);
    expect(readFileSync(join(packed.unpackedDir, 'chunks', 'popup.js'), 'utf8')).toContain('popup');

    expect(await extension.current()).toBe(packed);
    writeFileSync(join(buildDir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Guardmail', version: '1.2.4' }));
    expect((await extension.current())!.version).toBe('1.2.4');
    expect(readdirSync(join(outDir, 'extension')).filter((f) => f.endsWith('.crx'))).toEqual(['guardmail-1.2.4.crx']);
  });

  it("refuses a build whose version is not Chromium's kind, rather than name a file after it", async () => {
    const extension = fleetExtensionOf(fakeBuild('../../etc/x'));
    await expect(extension.current()).rejects.toThrow('manifest version "../../etc/x" is not one to four dot-separated numbers');
  });

  it('serves nothing, with a coded error, while there is no build', async () => {
    const extension = fleetExtensionOf(join(tmp('guardmail-out-'), 'no-build'));
    expect(await extension.current()).toBeNull();
    const relay = await createTestRelay({ extension });
    const res = await relay.app.request('/extension/updates.xml');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('EXTENSION_NOT_BUILT');
    await relay.close();
  });
});

describe('serving the extension and its policy', () => {
  let relay: TestRelay;
  let extension: FleetExtension;
  const publicUrl = 'https://guardmail.example.com';
  const admin = (path: string, headers: Record<string, string> = {}) =>
    relay.app.request(path, { headers: { Authorization: `Bearer ${relay.adminToken}`, ...headers } });

  beforeAll(async () => {
    extension = fleetExtensionOf(fakeBuild());
    await extension.current();
    relay = await createTestRelay({ extension, publicUrl });
  });
  afterAll(() => relay.close());

  it("answers Google's update manifest and the CRX it names, without a token", async () => {
    const xml = await (await relay.app.request('/extension/updates.xml')).text();
    expect(xml).toBe(
      `<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n  <app appid='${extension.identity.id}'>\n    <updatecheck codebase='${publicUrl}/extension/guardmail-1.2.3.crx' version='1.2.3' />\n  </app>\n</gupdate>\n`,
    );
    const crx = await relay.app.request('/extension/guardmail-1.2.3.crx');
    expect(crx.headers.get('content-type')).toBe('application/x-chrome-extension');
    expect(Buffer.from(await crx.arrayBuffer())).toEqual(readFileSync((await extension.current())!.crxFile));
    expect((await relay.app.request('/extension/guardmail-1.0.0.crx')).status).toBe(404);
    expect((await relay.app.request('/extension/..%2Fkey.pem')).status).toBe(404);
  });

  it("allows the signed extension's origin besides the configured ones, and tells admins who it is", async () => {
    expect(relay.deps.extensionOrigins[0]).toBe(extension.identity.origin);
    expect((await relay.app.request('/api/v1/deployment')).status).toBe(401);
    const answer = (await (await admin('/api/v1/deployment')).json()) as DeploymentAnswer;
    expect(answer).toEqual({
      extensionId: extension.identity.id,
      origin: extension.identity.origin,
      redirectUrl: extension.identity.redirectUrl,
      updateUrl: `${publicUrl}/extension/updates.xml`,
      version: '1.2.3',
      firefox: {
        extensionId: `guardmail-${extension.identity.id}@guardmail.invalid`,
        redirectUrl: firefoxRedirectUrl(`guardmail-${extension.identity.id}@guardmail.invalid`),
        installUrl: `${publicUrl}/extension/guardmail.xpi`,
        updateUrl: `${publicUrl}/extension/updates.json`,
        // This relay has no Firefox build.
        version: null,
        signed: false,
      },
      enrollmentTokenKnown: false,
      platforms: ['linux', 'windows', 'macos'],
      browsers: ['chromium', 'firefox'],
    });
  });

  it("names the served version in each report's answer, so an older extension asks for the update", async () => {
    const res = await relay.call('POST', '/api/v1/reports', report(), { token: relay.enrollmentToken });
    expect(((await res.json()) as { extensionVersion: string }).extensionVersion).toBe('1.2.3');
  });

  it('writes no policy without the enrollment token it keeps only a hash of, nor with a wrong one', async () => {
    const code = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string; field?: string } }).error];
    expect(await code(await admin('/api/v1/deployment/policy?platform=linux'))).toEqual([
      409,
      expect.objectContaining({ code: 'ENROLLMENT_TOKEN_UNKNOWN', field: 'enrollmentToken' }),
    ]);
    expect(await code(await admin('/api/v1/deployment/policy?platform=linux', { 'X-Guardmail-Enrollment-Token': 'gm_enr_wrong' }))).toEqual([
      400,
      expect.objectContaining({ code: 'ENROLLMENT_TOKEN_WRONG' }),
    ]);
    expect(await code(await admin('/api/v1/deployment/policy?platform=beos', { 'X-Guardmail-Enrollment-Token': relay.enrollmentToken }))).toEqual([
      400,
      expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'platform' }),
    ]);
  });

  const policy = (platform: string) => admin(`/api/v1/deployment/policy?platform=${platform}`, { 'X-Guardmail-Enrollment-Token': relay.enrollmentToken });
  const id = () => extension.identity.id;
  const settings = () => ({ installation_mode: 'force_installed', update_url: `${publicUrl}/extension/updates.xml`, override_update_url: true });

  it('writes the Linux policy as JSON Chrome, Chromium and Edge read, valid against the policy schemas', async () => {
    const res = await policy('linux');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="guardmail.json"');
    const json = (await res.json()) as { ExtensionSettings: Record<string, unknown>; '3rdparty': { extensions: Record<string, Record<string, unknown>> } };
    expect(Object.keys(json)).toEqual(['ExtensionSettings', '3rdparty']);
    expect(v.parse(ExtensionSettingsEntry, json.ExtensionSettings[id()])).toEqual(settings());
    const managed = json['3rdparty'].extensions[id()]!;
    expect(managed).toEqual({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken });
    expect(matchesManagedSchema(managed)).toBe(true);
    const audit = await relay.deps.audit.list(1);
    expect(audit[0]).toMatchObject({ action: 'deployment.policy-written', details: { platform: 'linux' } });
    expect(JSON.stringify(audit)).not.toContain(relay.enrollmentToken);
  });

  it('writes the Windows policy as a .reg file regedit reads, for Chrome and Edge', async () => {
    const keys = parseReg(Buffer.from(await (await policy('windows')).arrayBuffer()));
    for (const vendor of ['Google\\Chrome', 'Microsoft\\Edge']) {
      const root = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\${vendor}`;
      expect(v.parse(ExtensionSettingsEntry, (JSON.parse(keys[root]!.ExtensionSettings!) as Record<string, unknown>)[id()])).toEqual(settings());
      expect(keys[`${root}\\3rdparty\\extensions\\${id()}\\policy`]).toEqual({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken });
    }
  });

  it('writes the macOS policy as a configuration profile that parses as a property list', async () => {
    const res = await policy('macos');
    expect(res.headers.get('content-type')).toBe('application/x-apple-aspen-config');
    const profile = parsePlist(await res.text()) as { PayloadType: string; PayloadScope: string; PayloadContent: Record<string, unknown>[] };
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadScope: 'System' });
    const byType = Object.fromEntries(profile.PayloadContent.map((p) => [p.PayloadType as string, p]));
    for (const browser of ['com.google.Chrome', 'com.microsoft.Edge']) {
      expect(v.parse(ExtensionSettingsEntry, (byType[browser]!.ExtensionSettings as Record<string, unknown>)[id()])).toEqual(settings());
      expect(byType[`${browser}.extensions.${id()}`]).toMatchObject({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken, PayloadVersion: 1 });
    }
    const uuids = profile.PayloadContent.map((p) => p.PayloadUUID as string);
    expect(new Set(uuids).size).toBe(4);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('writes the token it knows when it generated it, without being given it', async () => {
    const known = 'gm_enr_' + 'k'.repeat(8) + 'generated-at-first-start-by-this-relay';
    // As main.ts does with a token it generated or was given: kept sealed in the store, next to the SMTP password.
    const knowing = await createTestRelay({ enrollmentToken: known, extension: fleetExtensionOf(fakeBuild()) });
    expect((await (await knowing.call('GET', '/api/v1/deployment')).json()) as DeploymentAnswer).toMatchObject({ enrollmentTokenKnown: true });
    const res = await knowing.call('GET', '/api/v1/deployment/policy?platform=linux');
    const json = (await res.json()) as { '3rdparty': { extensions: Record<string, { enrollmentToken: string }> } };
    expect(json['3rdparty'].extensions[knowing.deps.extension!.identity.id]!.enrollmentToken).toBe(known);
    expect(knowing.db.prepare("SELECT ciphertext FROM secrets WHERE name = 'enrollment-token'").get()).toBeDefined();
    await knowing.close();
  });

  it('does not write a token it kept once it no longer accepts it', async () => {
    const kept = keptStore();
    const first = await createTestRelay(
      { enrollmentToken: 'gm_enr_' + 'a'.repeat(8) + '-given-in-the-environment-once', extension: fleetExtensionOf(fakeBuild()) },
      kept,
    );
    const extension = first.deps.extension;
    await first.close();
    // Started again without it: the store's hash is another token's, and the sealed copy must not reach a policy.
    const later = await createTestRelay({ extension }, kept);
    expect((await (await later.call('GET', '/api/v1/deployment')).json()) as DeploymentAnswer).toMatchObject({ enrollmentTokenKnown: false });
    expect((await later.call('GET', '/api/v1/deployment/policy?platform=linux')).status).toBe(409);
    await later.close();
  });
});

/** A Firefox build as `wxt build -b firefox --mv3` writes one: the development add-on ID, no update URL. */
function fakeFirefoxBuild(version = '1.2.3'): string {
  const dir = tmp('guardmail-firefox-build-');
  const gecko = { id: FIREFOX_DEV_ADDON_ID, strict_min_version: '140.0' };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Guardmail', version, browser_specific_settings: { gecko } }));
  mkdirSync(join(dir, 'chunks'));
  writeFileSync(join(dir, 'background.js'), 'console.log("background")');
  writeFileSync(join(dir, 'chunks', 'popup.js'), 'console.log("popup")');
  return dir;
}

/** An XPI's files, read back with the zip reader the relay uses. */
async function unzip(bytes: Buffer): Promise<Record<string, string>> {
  const { fromBufferPromise } = await import('yauzl');
  const zip = await fromBufferPromise(bytes, { lazyEntries: true });
  const files: Record<string, string> = {};
  for (;;) {
    const entry = await new Promise<import('yauzl').Entry | null>((resolve, reject) => {
      zip.removeAllListeners();
      zip
        .once('entry', resolve)
        .once('end', () => resolve(null))
        .once('error', reject);
      zip.readEntry();
    });
    if (!entry) return files;
    files[entry.fileName] = (await buffer(await zip.openReadStreamPromise(entry))).toString('utf8');
  }
}

/** Firefox's ExtensionSettings entry as the relay writes it (policy-templates: ExtensionSettings). */
const FirefoxSettingsEntry = v.strictObject({ installation_mode: v.literal('force_installed'), install_url: v.pipe(v.string(), v.url()) });

describe('serving Firefox and its policy', () => {
  let relay: TestRelay;
  let extension: FleetExtension;
  let firefoxBuild: string;
  const publicUrl = 'https://guardmail.example.com';
  const addonId = () => extension.identity.firefox.id;
  const policy = (platform: string) =>
    relay.app.request(`/api/v1/deployment/policy?platform=${platform}&browser=firefox`, {
      headers: { Authorization: `Bearer ${relay.adminToken}`, 'X-Guardmail-Enrollment-Token': relay.enrollmentToken },
    });

  beforeAll(async () => {
    firefoxBuild = fakeFirefoxBuild();
    extension = fleetExtensionOf(fakeBuild(), { buildDir: firefoxBuild });
    relay = await createTestRelay({ extension, publicUrl });
  });
  afterAll(() => relay.close());

  it("answers Firefox's updates.json naming the XPI and its hash, and the XPI carries the relay's add-on ID and update URL", async () => {
    const res = await relay.app.request('/extension/updates.json');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const updates = (await res.json()) as { addons: Record<string, { updates: { version: string; update_link: string; update_hash: string }[] }> };
    const [update] = updates.addons[addonId()]!.updates;
    expect(update).toEqual({ version: '1.2.3', update_link: `${publicUrl}/extension/guardmail-1.2.3.xpi`, update_hash: expect.stringMatching(/^sha256:/) });

    const xpi = await relay.app.request('/extension/guardmail-1.2.3.xpi');
    expect(xpi.headers.get('content-type')).toBe('application/x-xpinstall');
    const bytes = Buffer.from(await xpi.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(update!.update_hash);
    const files = await unzip(bytes);
    expect(Object.keys(files).sort()).toEqual(['background.js', 'chunks/popup.js', 'manifest.json']);
    expect(JSON.parse(files['manifest.json']!)).toMatchObject({
      version: '1.2.3',
      browser_specific_settings: { gecko: { id: addonId(), strict_min_version: '140.0', update_url: `${publicUrl}/extension/updates.json` } },
    });
    // The policy's install URL serves the same bytes, never from a cache; another version's name is not served.
    const install = await relay.app.request('/extension/guardmail.xpi');
    expect(install.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await install.arrayBuffer())).toEqual(bytes);
    expect((await relay.app.request('/extension/guardmail-1.0.0.xpi')).status).toBe(404);
  });

  it("answers CORS for a Firefox add-on's random origin, and nothing else that only looks like one", async () => {
    const origin = async (o: string) => (await relay.app.request('/api/v1/status', { headers: { Origin: o } })).headers.get('access-control-allow-origin');
    expect(await origin('moz-extension://0a066bf2-5905-4114-85ed-d1fc4b5484dc')).toBe('moz-extension://0a066bf2-5905-4114-85ed-d1fc4b5484dc');
    expect(await origin('moz-extension://evil.example')).toBeNull();
    expect(await origin('https://0a066bf2-5905-4114-85ed-d1fc4b5484dc.example')).toBeNull();
    // Its consent window's redirect URL is the add-on's, which the relay accepts as it accepts chromiumapp.org's.
    expect(relay.deps.oauthRedirectUrls).toContain(extension.identity.firefox.redirectUrl);
  });

  it('writes the Linux policy as the policies.json Firefox reads, with the managed values the extension declares', async () => {
    const res = await policy('linux');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="policies.json"');
    const json = (await res.json()) as {
      policies: { ExtensionSettings: Record<string, unknown>; '3rdparty': { Extensions: Record<string, Record<string, unknown>> } };
    };
    expect(Object.keys(json)).toEqual(['policies']);
    expect(v.parse(FirefoxSettingsEntry, json.policies.ExtensionSettings[addonId()])).toEqual({
      installation_mode: 'force_installed',
      install_url: `${publicUrl}/extension/guardmail.xpi`,
    });
    const managed = json.policies['3rdparty'].Extensions[addonId()]!;
    expect(managed).toEqual({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken });
    expect(matchesManagedSchema(managed)).toBe(true);
    expect((await relay.deps.audit.list(1))[0]).toMatchObject({ action: 'deployment.policy-written', details: { platform: 'linux', browser: 'firefox' } });
  });

  it("writes the Windows policy as a .reg file with Firefox's JSON policies in REG_MULTI_SZ", async () => {
    const keys = parseReg(Buffer.from(await (await policy('windows')).arrayBuffer()));
    const root = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox';
    const settings = JSON.parse(keys[root]!.ExtensionSettings!) as Record<string, unknown>;
    expect(v.parse(FirefoxSettingsEntry, settings[addonId()])).toMatchObject({ install_url: `${publicUrl}/extension/guardmail.xpi` });
    expect(JSON.parse(keys[`${root}\\3rdparty\\Extensions`]![addonId()]!)).toEqual({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken });
  });

  it("writes the macOS policy as a profile for Firefox's preference domain, policies turned on", async () => {
    const res = await policy('macos');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="guardmail-firefox.mobileconfig"');
    const profile = parsePlist(await res.text()) as { PayloadContent: Record<string, unknown>[] };
    expect(profile.PayloadContent).toHaveLength(1);
    const firefox = profile.PayloadContent[0]! as { ExtensionSettings: Record<string, unknown>; '3rdparty': { Extensions: Record<string, unknown> } };
    expect(firefox).toMatchObject({ PayloadType: 'org.mozilla.firefox', EnterprisePoliciesEnabled: true });
    expect(v.parse(FirefoxSettingsEntry, firefox.ExtensionSettings[addonId()])).toMatchObject({ install_url: `${publicUrl}/extension/guardmail.xpi` });
    expect(firefox['3rdparty'].Extensions[addonId()]).toEqual({ relayUrl: publicUrl, enrollmentToken: relay.enrollmentToken });
  });

  it('packs for a few relay addresses, then at most one new address a minute, while those packed are still served', async () => {
    // Without --public-url the address is the Host header's, which anyone sends: each new one costs a deflate of the build.
    const bare = await createTestRelay({ extension: fleetExtensionOf(fakeBuild(), { buildDir: fakeFirefoxBuild() }) });
    const get = (host: string) => bare.app.request(`https://${host}/extension/updates.json`);
    for (const host of ['a.example', 'b.example', 'c.example', 'd.example']) expect((await get(host)).status).toBe(200);
    const refused = await get('e.example');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('--public-url'),
    });
    expect((await get('d.example')).status).toBe(200);
    await bare.close();
  });

  it('refuses a browser it writes no policy for, naming the field', async () => {
    const res = await relay.app.request('/api/v1/deployment/policy?platform=linux&browser=safari', {
      headers: { Authorization: `Bearer ${relay.adminToken}`, 'X-Guardmail-Enrollment-Token': relay.enrollmentToken },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'browser' });
  });
});

describe("the admin's Mozilla-signed XPI", () => {
  /** What web-ext sign answers: the relay's XPI with Mozilla's signature files added (stand-ins: nothing here signs). */
  async function signedCopy(bytes: Buffer, version?: string): Promise<string> {
    const files = await unzip(bytes);
    if (version) files['manifest.json'] = JSON.stringify({ ...(JSON.parse(files['manifest.json']!) as object), version });
    files['META-INF/mozilla.rsa'] = 'signature';
    const { ZipFile } = await import('yazl');
    const zip = new ZipFile();
    for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
    zip.end();
    const file = join(tmp('guardmail-signed-'), 'guardmail-signed.xpi');
    writeFileSync(file, await buffer(zip.outputStream));
    return file;
  }

  it('is served instead of the unsigned one while it is the build’s version, and not once the build moves on', async () => {
    const firefoxBuild = fakeFirefoxBuild();
    const unsignedRelay = fleetExtensionOf(fakeBuild(), { buildDir: firefoxBuild });
    const unsigned = (await unsignedRelay.firefox!.xpiFor('https://guardmail.example.com'))!;
    // Signed by the admin from what the relay served: same key, so the same add-on ID.
    const signedFile = await signedCopy(unsigned.bytes);
    const extension = new FleetExtension({
      buildDir: fakeBuild(),
      outDir: tmp('guardmail-fleet-'),
      identity: unsignedRelay.identity,
      firefox: new (await import('../../relay/extension/firefox-package')).FirefoxPackage({
        buildDir: firefoxBuild,
        addonId: unsignedRelay.identity.firefox.id,
        signedXpi: signedFile,
        logger: silent,
      }),
      logger: silent,
    });
    const served = (await extension.firefox!.xpiFor('https://guardmail.example.com'))!;
    expect(served).toMatchObject({ version: '1.2.3', signed: true });
    expect(served.bytes).toEqual(readFileSync(signedFile));

    const manifest = join(firefoxBuild, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ ...(JSON.parse(readFileSync(manifest, 'utf8')) as object), version: '1.2.4' }));
    expect(await extension.firefox!.xpiFor('https://guardmail.example.com')).toMatchObject({ version: '1.2.4', signed: false });
  });

  it("is not served when it is another add-on's, whatever its version", async () => {
    const firefoxBuild = fakeFirefoxBuild();
    const other = fleetExtensionOf(fakeBuild(), { buildDir: firefoxBuild });
    const foreign = await signedCopy((await other.firefox!.xpiFor('https://other.example.com'))!.bytes);
    const ours = fleetExtensionOf(fakeBuild(), { buildDir: firefoxBuild, signedXpi: foreign });
    expect(await ours.firefox!.xpiFor('https://guardmail.example.com')).toMatchObject({ version: '1.2.3', signed: false });
  });
});
