/**
 * The key pair that binds this browser's device ID to it: ECDSA P-256, made on first use with a private key WebCrypto
 * never lets out (non-extractable), kept in IndexedDB, which stores CryptoKey objects as they are (chrome.storage holds
 * only JSON). The first report carries the public key; the relay then accepts reports for this device ID only when
 * signed with it, so the enrollment token alone cannot speak for this browser.
 */
const DB = 'guardmail-device-key';
const STORE = 'keys';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

let pair: Promise<CryptoKeyPair> | null = null;

export function deviceKeys(): Promise<CryptoKeyPair> {
  pair ??= load().catch((err: unknown) => {
    pair = null;
    throw err;
  });
  return pair;
}

/** The public key, as a report carries it (JWK, EC P-256). */
export async function devicePublicKey(): Promise<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }> {
  const { x, y } = await crypto.subtle.exportKey('jwk', (await deviceKeys()).publicKey);
  return { kty: 'EC', crv: 'P-256', x: x!, y: y! };
}

/** The signature over `${timestamp}.${body}`, base64url of WebCrypto's r‖s (IEEE P1363). */
export async function signReport(body: string, timestamp: number): Promise<string> {
  const signed = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    (await deviceKeys()).privateKey,
    new TextEncoder().encode(`${timestamp}.${body}`),
  );
  return base64url(new Uint8Array(signed));
}

async function load(): Promise<CryptoKeyPair> {
  // Where there is no IndexedDB (unit tests in Node), the pair lives as long as the process.
  if (typeof indexedDB === 'undefined') return generate();
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const request = <T>(run: (store: IDBObjectStore) => IDBRequest<T>, mode: IDBTransactionMode) =>
    new Promise<T>((resolve, reject) => {
      const r = run(db.transaction(STORE, mode).objectStore(STORE));
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const existing = await request<CryptoKeyPair | undefined>((s) => s.get('device'), 'readonly');
  if (existing) return existing;
  const made = await generate();
  await request((s) => s.put(made, 'device'), 'readwrite');
  return made;
}

function generate(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
