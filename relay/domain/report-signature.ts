import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { DeviceKey } from '../../shared/report';

/** How far a signed report's time may be from the relay's: a captured report cannot be replayed later than this. */
export const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'invalid';

const verifyOffLoop = promisify(verify);

/**
 * Imported keys, most recently used last. Importing a P-256 key checks its point (about 80 µs here, as long as half a
 * verification) and an imported key holds about 2.7 KB: this many cover a fleet of 10,000 browsers whole, and a larger
 * one's bursts (start-up, then a change minutes later). Keyed by the key itself, so nothing can make an entry wrong,
 * on this relay or another.
 */
export const KEYS_KEPT = 10_000;
const imported = new Map<string, KeyObject>();

function importKey(key: DeviceKey): KeyObject {
  const id = `${key.x}.${key.y}`;
  let object = imported.get(id);
  if (object) imported.delete(id);
  else {
    object = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: key.x, y: key.y }, format: 'jwk' });
    if (imported.size >= KEYS_KEPT) imported.delete(imported.keys().next().value!);
  }
  imported.set(id, object);
  return object;
}

/** The key as the store keeps it: its four fields, in one order. */
export const canonicalKey = (key: DeviceKey): string => JSON.stringify({ kty: key.kty, crv: key.crv, x: key.x, y: key.y });

/**
 * The key's RFC 7638 thumbprint (SHA-256, base64url, of the required members in lexicographic order without white
 * space): what names another key's device beside a bound one (report-order.ts's siblingId).
 */
export const keyThumbprint = (key: DeviceKey): string =>
  createHash('sha256')
    .update(JSON.stringify({ crv: key.crv, kty: key.kty, x: key.x, y: key.y }))
    .digest('base64url');

/**
 * Whether `signature` is the device key's ECDSA P-256 signature (SHA-256, r‖s as WebCrypto makes it) over
 * `${timestamp}.${body}`, made within MAX_SIGNATURE_SKEW_MS of `now`.
 */
export async function checkReportSignature(input: {
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  key: DeviceKey;
  now: number;
}): Promise<SignatureCheck> {
  if (!input.signature || !input.timestamp) return 'missing';
  const at = Number(input.timestamp);
  if (!/^\d{1,16}$/.test(input.timestamp) || Math.abs(input.now - at) > MAX_SIGNATURE_SKEW_MS) return 'stale';
  if (!/^[\w-]{80,100}$/.test(input.signature)) return 'invalid';
  try {
    const key = importKey(input.key);
    // With a callback, node:crypto verifies on libuv's thread pool: half the cost of a signed report leaves the event loop.
    const ok = await verifyOffLoop(
      'sha256',
      Buffer.from(`${input.timestamp}.${input.body}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(input.signature, 'base64url'),
    );
    return ok ? 'ok' : 'invalid';
  } catch {
    return 'invalid'; // not a point on the curve
  }
}
