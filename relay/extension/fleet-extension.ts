import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { FirefoxPackage } from './firefox-package';
import type { ExtensionIdentity } from './signing-key';

const LOOK_EVERY_MS = 10_000;

/** The fleet's build as the relay serves it. */
export interface PackedExtension {
  version: string;
  /** The CRX3 file, named after the version so a browser never gets an old one from a cache. */
  crxFile: string;
  crxName: string;
  /** The same build unpacked, with the manifest key of the signing key: the one admins load, with the same ID. */
  unpackedDir: string;
}

export interface FleetExtensionOptions {
  /** The extension's Chromium build (extension/.output/chrome-mv3). */
  buildDir: string;
  /** Where the signed copies go (the data directory's extension/). */
  outDir: string;
  identity: ExtensionIdentity;
  /** The same extension for Firefox; null where the relay serves Chromium browsers only (tests). */
  firefox?: FirefoxPackage | null;
  logger: Logger;
}

/**
 * Signs the extension's build with the relay's key and keeps the result current: a new build (a relay upgrade, or
 * `npm run build:extension`) is packed again the first time a browser asks for updates after it, so browsers update.
 *
 * Packed with the `crx3` library (1.x: 2.x needs Node 22), which writes Chromium's CRX3 format and its protobuf
 * header itself, so the relay needs no Chromium to sign; the key stays the relay's own file.
 */
export class FleetExtension {
  readonly identity: ExtensionIdentity;
  readonly firefox: FirefoxPackage | null;
  readonly #o: FleetExtensionOptions;
  #packed: PackedExtension | null = null;
  /** The build's manifest.json when last packed (mtime and size): a change means a new build. */
  #stamp = '';
  #packing: Promise<PackedExtension | null> | null = null;
  #lookedAt = 0;

  constructor(o: FleetExtensionOptions) {
    this.#o = o;
    this.identity = o.identity;
    this.firefox = o.firefox ?? null;
  }

  /**
   * The version served, for report answers: without waiting, and looking for a new build at most every 10 s, so the
   * report path does not stat a file per report.
   */
  servedVersion(): string | null {
    const now = Date.now();
    if (now - this.#lookedAt > LOOK_EVERY_MS) {
      this.#lookedAt = now;
      void this.current().catch((err: Error) => this.#o.logger.error({ error: err.message }, 'the extension could not be signed'));
    }
    return this.#packed?.version ?? null;
  }

  /** The current build, packed; null while there is no build to serve. */
  current(): Promise<PackedExtension | null> {
    const stamp = this.#buildStamp();
    if (stamp === this.#stamp) return Promise.resolve(this.#packed);
    this.#packing ??= this.#pack(stamp).finally(() => (this.#packing = null));
    return this.#packing;
  }

  #buildStamp(): string {
    try {
      const s = statSync(join(this.#o.buildDir, 'manifest.json'));
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return 'missing';
    }
  }

  async #pack(stamp: string): Promise<PackedExtension | null> {
    const { buildDir, outDir, identity, logger } = this.#o;
    if (stamp === 'missing') {
      logger.warn({ buildDir }, 'the extension is not built: browsers cannot install it from this relay until "npm run build:extension"');
      this.#stamp = stamp;
      this.#packed = null;
      return null;
    }
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    // Built beside the old copy and swapped in whole, so an admin's browser never loads half a build.
    const staging = join(outDir, `unpacked.${process.pid}.tmp`);
    const unpackedDir = join(outDir, 'unpacked');
    rmSync(staging, { recursive: true, force: true });
    cpSync(buildDir, staging, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(staging, 'manifest.json'), 'utf8')) as { version: string; key?: string };
    // Chromium's own rule for a version, and what keeps the CRX's file name inside the output folder.
    if (!/^\d{1,9}(\.\d{1,9}){0,3}$/.test(manifest.version))
      throw new Error(`the extension build's manifest version "${manifest.version}" is not one to four dot-separated numbers`);
    manifest.key = identity.manifestKey;
    writeFileSync(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    // A copy keeps the build's modes (0644): like every file in the data directory, it is the relay user's alone.
    ownerOnly(staging);
    rmSync(unpackedDir, { recursive: true, force: true });
    renameSync(staging, unpackedDir);

    const crxName = `guardmail-${manifest.version}.crx`;
    const crxFile = join(outDir, crxName);
    // Loaded only to pack: its protobuf and zip code cost a relay without an extension build 13 ms of start-up.
    const { default: crx3 } = await import('crx3');
    await crx3([unpackedDir], { keyPath: identity.keyFile, crxPath: `${crxFile}.tmp` });
    chmodSync(`${crxFile}.tmp`, 0o600);
    renameSync(`${crxFile}.tmp`, crxFile);
    for (const old of readdirSync(outDir)) if (old.endsWith('.crx') && old !== crxName) rmSync(join(outDir, old), { force: true });

    this.#packed = { version: manifest.version, crxFile, crxName, unpackedDir };
    this.#stamp = stamp;
    logger.info({ id: identity.id, version: manifest.version }, 'extension signed for the fleet');
    return this.#packed;
  }
}

/** Makes a folder and everything in it readable by its owner only: 0700 folders, 0600 files. */
function ownerOnly(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) ownerOnly(path);
    else chmodSync(path, 0o600);
  }
}
