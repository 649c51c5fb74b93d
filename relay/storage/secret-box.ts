import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A sealed secret: AES-256-GCM, with the id of the key that sealed it stored beside it for rotation. */
export interface Sealed {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** A key's id: a short fingerprint, so the store can tell which key sealed a secret without holding the key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('guardmail key id\0').update(key).digest('hex').slice(0, 16);
}

/**
 * Seals with the current key; opens with any key of the ring, so secrets sealed before a rotation stay readable
 * until they are re-sealed.
 */
export class SecretBox {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Buffer>();
  readonly #current: Buffer;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('An encryption key must be 32 bytes.');
      this.#keys.set(keyIdOf(key), key);
    }
    this.#current = current;
    this.currentKeyId = keyIdOf(current);
  }

  /** Every key of the ring, the current one first. */
  keys(): IterableIterator<Buffer> {
    return this.#keys.values();
  }

  /** `context` (the secret's name) is authenticated, so a ciphertext cannot be moved to another slot. */
  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.currentKeyId, iv, ciphertext, tag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, context: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (!key) throw new Error(`The secret "${context}" was sealed with key ${sealed.keyId}, which this relay does not have.`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  }
}

export const KEY_FILE_NAME = 'secret.key';
/** Written before a rotation re-seals anything, so no crash can leave secrets sealed with a key that is on no disk. */
export const NEXT_KEY_FILE_NAME = 'secret.key.next';

/**
 * Reads the key file in the data directory, creating it (0600) on first start. A key file that others can read
 * is refused: it would expose every stored secret.
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  return readKeyFile(join(dataDir, KEY_FILE_NAME), true)!;
}

function readKeyFile(path: string, create: boolean): Buffer | null {
  if (!existsSync(path)) {
    if (!create) return null;
    const key = randomBytes(32);
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`The key file ${path} can be read by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`The key file ${path} does not hold the base64 of 32 bytes.`);
  return key;
}

/**
 * The keys the relay opens secrets with: from the environment (with an optional previous key after a rotation), or
 * from the key file, plus a rotation's next key when a rotation was interrupted.
 */
export function loadKeyring(dataDir: string, env: { secretKey: Buffer | null; previousSecretKey: Buffer | null }): { box: SecretBox; fromFile: boolean } {
  if (env.secretKey) return { box: new SecretBox(env.secretKey, env.previousSecretKey ? [env.previousSecretKey] : []), fromFile: false };
  const current = loadOrCreateKeyFile(dataDir);
  const next = readKeyFile(join(dataDir, NEXT_KEY_FILE_NAME), false);
  return { box: new SecretBox(current, next ? [next] : []), fromFile: true };
}

/** Rotation, step 1: the new key on disk (0600) before anything is sealed with it. */
export function writeNextKeyFile(dataDir: string, key: Buffer): void {
  const path = join(dataDir, NEXT_KEY_FILE_NAME);
  rmSync(path, { force: true });
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

/** Rotation, last step: the new key becomes the key file; the old key is gone from the disk. */
export function promoteNextKeyFile(dataDir: string): void {
  renameSync(join(dataDir, NEXT_KEY_FILE_NAME), join(dataDir, KEY_FILE_NAME));
}
