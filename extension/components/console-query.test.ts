import { describe, expect, it } from 'vitest';
import { apiQuery, readConsoleState } from './console-query';

describe("the console's address", () => {
  it('reads the filters it knows, the open device and the alert it came from', () => {
    expect(readConsoleState('?level=high,very_high&check=safe-browsing&q=%20demo%20&sort=name&device=device-0001&alert=r-1&evil=1')).toEqual({
      query: { level: 'high,very_high', check: 'safe-browsing', q: 'demo', sort: 'name' },
      device: 'device-0001',
      alert: 'r-1',
    });
  });

  it('leaves out an order it does not know and empty values', () => {
    expect(readConsoleState('?sort=oldest&browser=&device=')).toEqual({ query: {}, device: null, alert: null });
  });

  it('asks the relay only for what is set', () => {
    expect(apiQuery({ level: 'high', browser: '', sort: 'risk' })).toEqual({ level: 'high', sort: 'risk' });
  });
});
