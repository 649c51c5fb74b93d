import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { DevicesAnswer, DeviceSummary } from '../../shared/fleet';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, type ComplianceReport } from '../../shared/report';
import { keyThumbprint } from '../../relay/domain/report-signature';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report, riskyReport } from '../fixtures/reports';

/** A browser's key pair, made and used as the extension does (WebCrypto ECDSA P-256, non-extractable private key). */
async function browserKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    publicKey: { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! },
    sign: async (body: string, timestamp: number) =>
      Buffer.from(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(`${timestamp}.${body}`))).toString(
        'base64url',
      ),
  };
}
type BrowserKey = Awaited<ReturnType<typeof browserKey>>;

/**
 * Attack 4: nine clean reports under a known device ID (it appears in alert mail) turned a highly vulnerable device
 * "secure", and used up the real browser's rate limit. Then: a signed report replayed within the signature window
 * rolled a device back to "secure"; a device ID reported first by someone else's key refused the real browser for
 * ever while the admin saw a "secure" device; unsigned reports were still taken; and one decoy forgery every few
 * minutes kept the real refusals out of the audit log.
 */
describe("reports under another browser's device ID, against the relay as a process", () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  /** The request a browser sends: its body with its public key, signed at `timestamp` (now) by `signAs` (its own key). */
  const signedRequest = async (r: ComplianceReport, key?: BrowserKey, options: { timestamp?: number; signAs?: BrowserKey } = {}) => {
    const body = JSON.stringify(key ? { ...r, deviceKey: key.publicKey } : r);
    const timestamp = options.timestamp ?? Date.now();
    const signer = options.signAs ?? key;
    const headers: Record<string, string> = { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json' };
    if (signer) Object.assign(headers, { [SIGNATURE_HEADER]: await signer.sign(body, timestamp), [TIMESTAMP_HEADER]: String(timestamp) });
    return { method: 'POST', headers, body };
  };
  const send = (request: RequestInit) => fetch(`${relay.url}/api/v1/reports`, request);
  const post = async (r: ComplianceReport, key?: BrowserKey, options: { timestamp?: number; signAs?: BrowserKey } = {}) =>
    send(await signedRequest(r, key, options));
  const admin = (path: string, method = 'GET') => fetch(`${relay.url}${path}`, { method, headers: { Authorization: `Bearer ${relay.admin}` } });
  const devices = async () => ((await (await admin('/api/v1/devices?limit=1000')).json()) as DevicesAnswer).devices;
  const device = async (id: string): Promise<DeviceSummary | undefined> => (await devices()).find((d) => d.id === id);
  const tick = () => new Promise((r) => setTimeout(r, 2));

  it('takes only reports their browser signed, and leaves the real browser its allowance', async () => {
    const real = await browserKey();
    expect((await post(riskyReport({ deviceId: 'device-victim' }), real)).status).toBe(202);
    expect((await device('device-victim'))?.level).toBe('high');

    const forged = [];
    for (let i = 0; i < 9; i++) forged.push(await post(report({ deviceId: 'device-victim' })));
    expect(forged.map((r) => r.status)).toEqual(Array(9).fill(401));
    expect(((await forged[0]!.json()) as ApiErrorBody).error).toMatchObject({
      code: 'DEVICE_SIGNATURE_INVALID',
      message: 'The report is not signed with a key it carries.',
    });
    expect((await post(report({ deviceId: 'device-victim' }), real, { signAs: await browserKey() })).status).toBe(401); // the real key, a forged signature
    expect((await post(report({ deviceId: 'device-victim' }), real, { timestamp: Date.now() - 10 * 60_000 })).status).toBe(401); // signed too long ago
    expect((await device('device-victim'))?.level).toBe('high');

    // The real browser was never held back by the forgeries, and the admin sees each kind of refusal on the device.
    await tick();
    expect((await post(riskyReport({ deviceId: 'device-victim' }), real)).status).toBe(202);
    await expect.poll(async () => Object.keys((await device('device-victim'))?.refusals ?? {}).sort()).toEqual(['invalid', 'stale', 'unsigned']);
    const audit = (await (await admin('/api/v1/audit')).json()) as { entries: { action: string; details: Record<string, unknown> }[] };
    const refusals = audit.entries.filter((e) => e.action === 'device.report-refused');
    expect(refusals.map((e) => e.details.reason).sort()).toEqual(['invalid', 'stale', 'unsigned']); // one per reason, not nine
  });

  it('refuses a replayed report, so a captured "secure" report cannot roll a vulnerable device back', async () => {
    const real = await browserKey();
    const secure = await signedRequest(report({ deviceId: 'device-replayed' }), real);
    expect((await send(secure)).status).toBe(202);
    await tick();
    expect((await post(riskyReport({ deviceId: 'device-replayed' }), real)).status).toBe(202);
    // Replayed within the signature window, byte for byte: older than the report applied last, so refused.
    const replayed = await send(secure);
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as ApiErrorBody).error.code).toBe('REPORT_REPLAYED');
    expect(await device('device-replayed')).toMatchObject({ level: 'high' });
    await expect.poll(async () => (await device('device-replayed'))?.refusals?.replayed).toBeDefined();
    // The latest report resent (its answer was lost) is answered as it was, and changes nothing.
    const latest = await signedRequest(riskyReport({ deviceId: 'device-replayed', reportId: 'the-latest-report' }), real);
    expect((await send(latest)).status).toBe(202);
    expect(((await (await send(latest)).json()) as { duplicate: boolean }).duplicate).toBe(true);
  });

  it('keeps the real browser reporting, and alerting as itself, when someone took its device ID first with another key', async () => {
    const attacker = await browserKey();
    expect((await post(report({ deviceId: 'device-taken' }), attacker)).status).toBe(202);
    const real = await browserKey();
    const answer = await post(riskyReport({ deviceId: 'device-taken' }), real);
    expect(answer.status).toBe(202);
    expect(((await answer.json()) as { level: string }).level).toBe('high');
    const sibling = `device-taken~${keyThumbprint(real.publicKey).slice(0, 12)}`;
    expect(await device(sibling)).toMatchObject({ level: 'high', sameIdAs: 'device-taken' });
    expect(await device('device-taken')).toMatchObject({ level: 'secure' });
    // The attacker cannot turn the real browser's device secure: its key goes to its own device, never to the real one.
    await tick();
    expect((await post(report({ deviceId: 'device-taken' }), attacker)).status).toBe(202);
    expect(await device(sibling)).toMatchObject({ level: 'high' });
    // Nor can a report name the sibling itself.
    const named = await post(report({ deviceId: sibling }), attacker);
    expect(named.status).toBe(400);
    expect(((await named.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'deviceId' });
  });

  it('shows a replayed report on its device however many forged reports are refused for it', async () => {
    const real = await browserKey();
    const old = await signedRequest(report({ deviceId: 'device-decoyed' }), real);
    expect((await send(old)).status).toBe(202);
    await tick();
    expect((await post(riskyReport({ deviceId: 'device-decoyed' }), real)).status).toBe(202);
    // Decoys first, so that a refusal written once per device would be theirs; then the replay.
    for (let i = 0; i < 20; i++)
      expect((await post(report({ deviceId: 'device-decoyed' }), await browserKey(), { signAs: await browserKey() })).status).toBe(401);
    expect((await send(old)).status).toBe(409);
    await expect.poll(async () => Object.keys((await device('device-decoyed'))?.refusals ?? {}).sort()).toEqual(['invalid', 'replayed']);
  });

  it('writes nothing for refused reports under device IDs nobody registered', async () => {
    const before = (await devices()).length;
    for (let i = 0; i < 50; i++) expect((await post(report({ deviceId: `device-invented-${i}` }))).status).toBe(401);
    expect((await devices()).length).toBe(before);
    const audit = (await (await admin('/api/v1/audit?limit=1000')).json()) as { entries: { details: Record<string, unknown> }[] };
    expect(audit.entries.some((e) => String(e.details.deviceId).startsWith('device-invented-'))).toBe(false);
  });
});
