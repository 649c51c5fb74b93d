import { describe, expect, it } from 'vitest';
import { allowedMethods } from './methods';

describe('allowedMethods', () => {
  const routes = [
    { method: 'ALL', path: '/api/v1/*' },
    { method: 'GET', path: '/api/v1/mail-settings' },
    { method: 'PUT', path: '/api/v1/mail-settings' },
    { method: 'DELETE', path: '/api/v1/devices/:id' },
  ];
  it('lists the methods of the routes matching a path, not the middleware', () => {
    expect(allowedMethods(routes, '/api/v1/mail-settings')).toEqual(['GET', 'HEAD', 'PUT']);
    expect(allowedMethods(routes, '/api/v1/devices/abc')).toEqual(['DELETE']);
    expect(allowedMethods(routes, '/api/v1/nothing')).toEqual([]);
  });
});
