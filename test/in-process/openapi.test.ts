import { afterAll, expect, it } from 'vitest';
import { createTestRelay } from '../fixtures/relay';

const relay = await createTestRelay();
afterAll(() => relay.close());

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security: object[]; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, { maximum?: number }> } } } } }>
  >;
}

it('serves an OpenAPI document that lists exactly the routes the relay serves, with the validation schemas', async () => {
  const res = await relay.call('GET', '/openapi.json', undefined, { token: null });
  expect(res.status).toBe(200);
  const doc = (await res.json()) as Document;
  expect(doc.openapi).toBe('3.1.0');

  const documented = Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  // Hono writes a path parameter `:id`, OpenAPI `{id}`.
  const served = [
    ...new Set(relay.app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*')).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)),
  ].sort();
  expect(documented).toEqual(served);

  expect(doc.paths['/api/v1/mail-settings']!.put!.requestBody!.content['application/json'].schema.properties.port!.maximum).toBe(65535);
  expect(doc.paths['/api/v1/reports']!.post!.security).toEqual([{ enrollment: [] }]);
  expect(doc.paths['/healthz']!.get!.security).toEqual([]);
});
