import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { MAX_ISSUES } from '../../relay/http/api-error';
import { rssMb } from '../fixtures/load';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { extension, report } from '../fixtures/reports';
import { reportRequest } from '../fixtures/signing';

/**
 * Attack 8: a 500 KB report whose `extensions` was 170,000 empty objects was answered 400 with 1.19 million issues (a
 * 108 MB answer, about 7 s of a blocked event loop, /healthz stalled); eight at once held the relay for over a minute
 * at 3.6 GB. Valibot judged every element before the list's length, and every issue was answered.
 */
describe('reports built to be expensive to refuse, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  const post = (body: string) =>
    fetch(`${relay.url}/api/v1/reports`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json' },
      body,
    });
  /** 170,000 empty objects in a list whose bound is 500: just under the 512 KB report limit. */
  const emptyObjects = JSON.stringify({ ...report(), extensions: Array(170_000).fill({}) });
  /** 500 extensions, the bound, each with 200 permissions that are not text: 200,000 bad values. */
  const badValues = JSON.stringify({ ...report(), extensions: Array.from({ length: 500 }, () => ({ ...extension(), permissions: Array(200).fill(0) })) });

  it('answers a list over its bound with one short issue, judging its length before its items', async () => {
    expect(emptyObjects.length).toBeLessThan(512 * 1024);
    const res = await post(emptyObjects);
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text.length).toBeLessThan(1_024);
    expect((JSON.parse(text) as ApiErrorBody).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'extensions',
      message: 'extensions: extensions must have at most 500 entries.',
    });
  });

  it('answers a report full of bad values with its first issue, not one per value', async () => {
    expect(badValues.length).toBeLessThan(512 * 1024);
    const res = await post(badValues);
    const body = (await res.json()) as ApiErrorBody & { error: { issues: unknown[] } };
    expect(res.status).toBe(400);
    expect(body.error.issues.length).toBeLessThanOrEqual(MAX_ISSUES);
    expect(body.error).toMatchObject({ field: 'extensions.0.permissions.0' });
  });

  it('stays responsive and small while eight of each arrive at once, and logs a sample, not a line each', async () => {
    const pid = relay.child.pid!;
    const before = rssMb(pid);
    const healthz: number[] = [];
    let flooding = true;
    const probe = (async () => {
      while (flooding) {
        const t0 = performance.now();
        expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
        healthz.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const answers = await Promise.all([...Array(8).fill(emptyObjects), ...Array(8).fill(badValues)].map(async (b: string) => (await post(b)).text()));
    flooding = false;
    await probe;
    expect(answers.every((a) => a.length < 2_048)).toBe(true);
    expect(healthz.length).toBeGreaterThan(0);
    // Memory: what sixteen half-megabyte bodies and their parsing take, not gigabytes (measured: about +40 MB).
    expect(rssMb(pid) - before).toBeLessThan(200);

    // A line a second at most for refused requests, with the count it left out; every refusal in the metrics.
    const refusedLines = relay
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"msg":"request refused"'));
    expect(refusedLines.length).toBeGreaterThan(0);
    expect(refusedLines.length).toBeLessThan(8);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(Number(/guardmail_http_refused_total\{status="400"\} (\d+)/.exec(metrics)?.[1])).toBe(18);
  });

  it('takes a valid report as before', async () => {
    expect((await fetch(`${relay.url}/api/v1/reports`, reportRequest(report({ deviceId: 'device-after-the-flood' }), relay.enrollment))).status).toBe(202);
  });
});
