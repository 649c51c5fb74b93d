import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows a burst, then one per refill interval, per key', () => {
    const limiter = new RateLimiter(3, 30); // one token every 2 minutes
    expect([0, 0, 0].map(() => limiter.take('a', 0))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 0)).toBe(120_000);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 120_000)).toBe(0);
  });

  it('takes back a token given back, never past the burst', () => {
    const limiter = new RateLimiter(2, 30);
    limiter.take('a', 0);
    limiter.take('a', 0);
    limiter.give('a');
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(120_000);
    limiter.give('a');
    limiter.give('a');
    limiter.give('a');
    expect([0, 0, 0].map(() => limiter.take('a', 0))).toEqual([0, 0, 120_000]);
  });

  it('forgets keys whose bucket is full again, so memory follows the active keys', () => {
    const limiter = new RateLimiter(2, 3600);
    for (let i = 0; i <= 10_000; i++) limiter.take(`device-${i}`, 0);
    expect(limiter.size).toBe(10_001);
    limiter.take('late', 60_000); // a minute later every bucket has refilled
    expect(limiter.size).toBe(1);
  });
});
