import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { DevicesAnswer } from '../../shared/fleet';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, type ComplianceReport } from '../../shared/report';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report, riskyReport } from '../fixtures/reports';


/** A browser's key pair, made and used as the extension does (WebCrypto ECDSA P-256, non-extractable private key). */
async function browserKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    publicKey: { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! },
    sign: async (body: string, timestamp: number) =>
      Buffer.from(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(`${timestamp}.${body}`))).toString('base64url'),
  };
}

/**
 * Attack 4: nine clean reports under a known device ID (it appears in alert mail) turned a highly vulnerable device
 * "secure", and used up the real browser's rate limit (its next report got 429).
 */
describe('reports under another browser\'s device ID, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  const post = async (r: ComplianceReport, key?: Awaited<ReturnType<typeof browserKey>>, options: { timestamp?: number; signAs?: Awaited<ReturnType<typeof browserKey>> } = {}) => {
    const body = JSON.stringify(key ? { ...r, deviceKey: key.publicKey } : r);
    const timestamp = options.timestamp ?? Date.now();
    const signer = options.signAs ?? key;
    const headers: Record<string, string> = { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json' };
    if (signer) Object.assign(headers, { [SIGNATURE_HEADER]: await signer.sign(body, timestamp), [TIMESTAMP_HEADER]: String(timestamp) });
    return fetch(`${relay.url}/api/v1/reports`, { method: 'POST', headers, body });
  };
  const admin = (path: string, method = 'GET') => fetch(`${relay.url}${path}`, { method, headers: { Authorization: `Bearer ${relay.admin}` } });
  const level = async (id: string) => ((await (await admin('/api/v1/devices?limit=100')).json()) as DevicesAnswer).devices.find((d) => d.id === id)?.level;

  it('accepts reports for a device only when its browser signed them, and leaves the real browser its allowance', async () => {
    const real = await browserKey();
    expect((await post(riskyReport({ deviceId: 'device-victim' }), real)).status).toBe(202);
    expect(await level('device-victim')).toBe('high');

    const forged = [];
    for (let i = 0; i < 9; i++) forged.push(await post(report({ deviceId: 'device-victim' })));
    expect(forged.map((r) => r.status)).toEqual(Array(9).fill(401));
    expect(((await forged[0]!.json()) as ApiErrorBody).error).toMatchObject({ code: 'DEVICE_SIGNATURE_INVALID', message: 'The report is not signed.' });
    const attacker = await browserKey();
    expect((await post(report({ deviceId: 'device-victim' }), attacker)).status).toBe(401); // its own key, registered nowhere
    expect((await post(report({ deviceId: 'device-victim' }), real, { signAs: attacker })).status).toBe(401); // the real key, a forged signature
    expect((await post(report({ deviceId: 'device-victim' }), real, { timestamp: Date.now() - 10 * 60_000 })).status).toBe(401); // replayed later
    expect(await level('device-victim')).toBe('high');

    // The real browser was never held back by the forgeries.
    expect((await post(riskyReport({ deviceId: 'device-victim' }), real)).status).toBe(202);
    const audit = (await (await admin('/api/v1/audit')).json()) as { entries: { action: string }[] };
    expect(audit.entries.filter((e) => e.action === 'device.signature-refused')).toHaveLength(1);
  });

  it('lets an admin reset a device\'s key, after which the next signed report binds it again', async () => {
    const first = await browserKey();
    expect((await post(report({ deviceId: 'device-reinstalled' }), first)).status).toBe(202);
    const reinstalled = await browserKey();
    expect((await post(report({ deviceId: 'device-reinstalled' }), reinstalled)).status).toBe(401);
    expect((await admin('/api/v1/devices/device-reinstalled/key', 'DELETE')).status).toBe(204);
    expect((await post(report({ deviceId: 'device-reinstalled' }), reinstalled)).status).toBe(202);
    expect((await post(report({ deviceId: 'device-reinstalled' }), first)).status).toBe(401);
    expect((await admin('/api/v1/devices/no-such-device/key', 'DELETE')).status).toBe(404);
  });
});
