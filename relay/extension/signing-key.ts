import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Who the fleet's extension is: everything that follows from the key that signs it. */
export interface ExtensionIdentity {
  id: string;
  /** The origin the relay allows (CORS) and whose redirect URL it accepts. */
  origin: string;
  /** What `identity.getRedirectURL()` answers: register it with the authorization server. */
  redirectUrl: string;
  /** The manifest's "key": base64 of the public key (SubjectPublicKeyInfo, DER). */
  manifestKey: string;
  /** The PEM file of the private key (PKCS #8), which the packer reads. */
  keyFile: string;
  /** The same extension in Firefox, whose add-on ID is not a key's hash: the relay gives it one derived from its key. */
  firefox: { id: string; redirectUrl: string };
}

/**
 * Chromium's extension ID: the first 128 bits of the SHA-256 of the public key, each hex digit 0–f written as a–p
 * (components/crx_file/id_util.cc).
 */
export function extensionIdOf(publicKeyDer: Buffer): string {
  const hex = createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32);
  return [...hex].map((d) => String.fromCharCode(97 + Number.parseInt(d, 16))).join('');
}

export function identityOf(publicKeyDer: Buffer, keyFile: string): ExtensionIdentity {
  const id = extensionIdOf(publicKeyDer);
  // Mozilla signs one add-on per ID across all its developers: an ID of the relay's own, so two organisations' builds
  // never claim the same one.
  const firefoxId = `guardmail-${id}@guardmail.invalid`;
  return {
    id,
    origin: `chrome-extension://${id}`,
    redirectUrl: `https://${id}.chromiumapp.org/`,
    manifestKey: publicKeyDer.toString('base64'),
    keyFile,
    firefox: { id: firefoxId, redirectUrl: firefoxRedirectUrl(firefoxId) },
  };
}

/**
 * What `identity.getRedirectURL()` answers in Firefox: the SHA-1 of the add-on ID in hex, under extensions.allizom.org
 * (toolkit/components/extensions/child/ext-identity.js, pref extensions.webextensions.identity.redirectDomain).
 */
export function firefoxRedirectUrl(addonId: string): string {
  return `https://${createHash('sha1').update(addonId).digest('hex')}.extensions.allizom.org/`;
}

/**
 * The extension's signing key: read from `file`, or, when `create` and the file does not exist yet, made there (RSA
 * 2048, as the Chrome Web Store's, 0600). Losing it changes the extension's ID on every browser.
 */
export function loadSigningKey(file: string, create: boolean): ExtensionIdentity {
  if (!existsSync(file)) {
    if (!create) throw new Error(`the extension signing key ${file} does not exist`);
    // Encoded by the generation itself: exporting a just-generated KeyObject can deadlock Node 20 when a garbage
    // collection runs during the export (docs/development.md, "Node's crypto").
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(file, privateKey, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  let der: Buffer;
  try {
    const key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`it is an ${key.asymmetricKeyType} key; Chromium signs extensions with RSA`);
    der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  } catch (err) {
    throw new Error(`the extension signing key ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return identityOf(der, file);
}
