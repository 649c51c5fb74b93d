import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Entry } from 'yauzl';
import { RateLimiter } from '../domain/rate-limit';
import type { Logger } from '../log';
import { UPDATES_JSON_PATH } from './addresses';

/** The add-on as one relay address serves it to Firefox. */
export interface FirefoxXpi {
  version: string;
  /** Named after the version, as the update manifest's link names it. */
  name: string;
  bytes: Buffer;
  /** `sha256:<hex>`: the update manifest's update_hash, which Firefox checks before installing. */
  hash: string;
  /** The admin's Mozilla-signed file rather than the relay's own unsigned packing. */
  signed: boolean;
}

export interface FirefoxPackageOptions {
  /** The extension's Firefox build (extension/.output/firefox-mv3). */
  buildDir: string;
  /** The add-on ID the relay gives it (ExtensionIdentity.firefox.id). */
  addonId: string;
  /** The admin's Mozilla-signed XPI of the same version, or ''. */
  signedXpi: string;
  logger: Logger;
}

/** An XPI per relay address (the public URL, or each Host a browser used), the most recent few. */
const KEPT_ADDRESSES = 4;
/**
 * Packing deflates the whole build (8 ms here), and without --public-url the address comes from a request's Host
 * header, which anyone can vary: past a burst of one per kept address, one new packing a minute.
 */
const PACKS_PER_HOUR = 60;
/** Zip entries carry a time: a fixed one makes an XPI of the same build and address the same bytes, and hash. */
const ENTRY_TIME = new Date('2020-01-01T00:00:00Z');

interface Build {
  stamp: string;
  version: string;
  manifest: Record<string, unknown>;
  files: [string, Buffer][];
}

interface Signed {
  stamp: string;
  version: string;
  addonId: string;
  xpi: FirefoxXpi;
}

type GeckoManifest = { version?: unknown; browser_specific_settings?: { gecko?: { id?: unknown; update_url?: unknown } } };

/**
 * The Firefox add-on the relay serves. Firefox's policy cannot override an add-on's update URL as Chromium's can
 * (ExtensionSettings has install_url only: browser/components/enterprisepolicies/Policies.sys.mjs), so the manifest
 * itself must name the relay's updates.json: the relay writes it, with its add-on ID, into each XPI it packs.
 *
 * Release Firefox installs only add-ons Mozilla signed, and a signature covers the manifest: an admin who signs (see
 * docs/guide.md) gives the relay that file, which it serves instead of its own packing while the versions match.
 */
export class FirefoxPackage {
  readonly #o: FirefoxPackageOptions;
  #build: Build | null = null;
  #signed: Signed | null = null;
  #signedStamp = '';
  #xpis = new Map<string, FirefoxXpi>();
  #packs = new RateLimiter(KEPT_ADDRESSES, PACKS_PER_HOUR);
  #warned = '';

  constructor(o: FirefoxPackageOptions) {
    this.#o = o;
  }

  get addonId(): string {
    return this.#o.addonId;
  }

  /**
   * The XPI for browsers that reach the relay at `base`; null while there is no Firefox build. Throws PackingLimited
   * when a new address would be packed past the bound.
   */
  async xpiFor(base: string, now = Date.now()): Promise<FirefoxXpi | null> {
    const build = this.#currentBuild();
    if (!build) return null;
    const signed = await this.#currentSigned(build);
    if (signed) return signed.xpi;
    const key = `${build.stamp} ${base}`;
    const kept = this.#xpis.get(key);
    if (kept) {
      this.#xpis.delete(key);
      this.#xpis.set(key, kept);
      return kept;
    }
    const wait = this.#packs.take('pack', now);
    if (wait > 0) throw new PackingLimited(wait);
    const bytes = await packXpi(build, this.#o.addonId, `${base}${UPDATES_JSON_PATH}`);
    const xpi: FirefoxXpi = { version: build.version, name: xpiName(build.version), bytes, hash: sha256(bytes), signed: false };
    this.#xpis.set(key, xpi);
    for (const old of this.#xpis.keys()) if (this.#xpis.size > KEPT_ADDRESSES) this.#xpis.delete(old);
    return xpi;
  }

  /** The build's manifest and files, read again when its manifest.json changes (a new build). */
  #currentBuild(): Build | null {
    const stamp = fileStamp(join(this.#o.buildDir, 'manifest.json'));
    if (stamp === this.#build?.stamp) return this.#build;
    this.#xpis.clear();
    if (stamp === 'missing') {
      if (this.#build !== null || !this.#warned) {
        this.#o.logger.warn(
          { buildDir: this.#o.buildDir },
          'the Firefox build is missing: Firefox cannot install the extension from this relay until "npm run build"',
        );
      }
      this.#warned = 'missing';
      this.#build = null;
      return null;
    }
    const manifest = JSON.parse(readFileSync(join(this.#o.buildDir, 'manifest.json'), 'utf8')) as Record<string, unknown> & GeckoManifest;
    const version = String(manifest.version);
    // Firefox's own rule is looser; this one also keeps the XPI's name inside the URL path it is served at.
    if (!/^\d{1,9}(\.\d{1,9}){0,3}$/.test(version))
      throw new Error(`the Firefox build's manifest version "${version}" is not one to four dot-separated numbers`);
    const files = listFiles(this.#o.buildDir)
      .filter((path) => path !== 'manifest.json')
      .map((path): [string, Buffer] => [path, readFileSync(join(this.#o.buildDir, path))]);
    this.#build = { stamp, version, manifest, files };
    return this.#build;
  }

  /** The admin's signed XPI when it is this build's version and the relay's add-on ID; otherwise said once, and null. */
  async #currentSigned(build: Build): Promise<Signed | null> {
    const file = this.#o.signedXpi;
    if (!file) return null;
    const stamp = fileStamp(file);
    if (stamp !== this.#signedStamp) {
      this.#signedStamp = stamp;
      this.#signed = stamp === 'missing' ? null : await readSigned(file, stamp).catch((err: Error) => this.#refuse(`cannot be read: ${err.message}`));
    }
    const signed = this.#signed;
    if (!signed) {
      if (stamp === 'missing') this.#warnOnce(`missing:${file}`, `the signed XPI ${file} does not exist: Firefox gets the relay's unsigned build`);
      return null;
    }
    if (signed.addonId !== this.#o.addonId) {
      this.#warnOnce(`id:${stamp}`, `the signed XPI ${file} is add-on ${signed.addonId}, not this relay's ${this.#o.addonId}: sign the XPI this relay serves`);
      return null;
    }
    if (signed.version !== build.version) {
      this.#warnOnce(
        `version:${stamp}:${build.stamp}`,
        `the signed XPI ${file} is version ${signed.version}, the build ${build.version}: Firefox gets the unsigned build until you sign this one`,
      );
      return null;
    }
    return signed;
  }

  #refuse(why: string): null {
    this.#warnOnce(`read:${this.#signedStamp}`, `the signed XPI ${this.#o.signedXpi} ${why}`);
    return null;
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned === key) return;
    this.#warned = key;
    this.#o.logger.warn(message);
  }
}

/** Too many addresses packed lately: the caller answers 429 with Retry-After. */
export class PackingLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('too many relay addresses packed lately');
  }
}

const xpiName = (version: string) => `guardmail-${version}.xpi`;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function fileStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

/** Every file under `dir`, as zip entry names (forward slashes), sorted so the XPI's bytes follow from the build. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The build with the relay's add-on ID and update URL in its manifest, zipped as Firefox reads an XPI. */
async function packXpi(build: Build, addonId: string, updateUrl: string): Promise<Buffer> {
  const settings = (build.manifest.browser_specific_settings ?? {}) as { gecko?: Record<string, unknown> };
  const manifest = {
    ...build.manifest,
    browser_specific_settings: { ...settings, gecko: { ...settings.gecko, id: addonId, update_url: updateUrl } },
  };
  // Loaded only to pack, as crx3 is (fleet-extension.ts): a relay starts with what serving needs.
  const { ZipFile } = await import('yazl');
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'manifest.json', { mtime: ENTRY_TIME });
  for (const [path, bytes] of build.files) zip.addBuffer(bytes, path, { mtime: ENTRY_TIME });
  zip.end();
  return buffer(zip.outputStream);
}

/** The version and add-on ID in a signed XPI's manifest. */
async function readSigned(file: string, stamp: string): Promise<Signed> {
  const bytes = readFileSync(file);
  const manifest = JSON.parse((await zipEntry(bytes, 'manifest.json')).toString('utf8')) as GeckoManifest;
  const addonId = manifest.browser_specific_settings?.gecko?.id;
  if (typeof addonId !== 'string' || typeof manifest.version !== 'string') throw new Error('its manifest names no add-on ID or version');
  // Hashed once per file, not per request for it.
  return {
    stamp,
    version: manifest.version,
    addonId,
    xpi: { version: manifest.version, name: xpiName(manifest.version), bytes, hash: sha256(bytes), signed: true },
  };
}

async function zipEntry(bytes: Buffer, name: string): Promise<Buffer> {
  const { fromBufferPromise } = await import('yauzl');
  const zip = await fromBufferPromise(bytes, { lazyEntries: true });
  try {
    const entry = await new Promise<Entry | null>((resolve, reject) => {
      zip.on('entry', (e: Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
      zip.on('end', () => resolve(null));
      zip.on('error', reject);
      zip.readEntry();
    });
    if (!entry) throw new Error(`it has no ${name}`);
    return await buffer(await zip.openReadStreamPromise(entry));
  } finally {
    zip.close();
  }
}
