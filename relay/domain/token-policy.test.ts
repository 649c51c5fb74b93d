import { describe, expect, it } from 'vitest';
import { decodeXOAuth2Challenge, KEEP_ALIVE_MS, needsKeepAlive, needsRefresh, REFRESH_AHEAD_MS, xoauth2InitialResponse } from './token-policy';

describe('token policy', () => {
  it('refreshes ahead of expiry, and when no expiry is known', () => {
    expect(needsRefresh(null, 0)).toBe(true);
    expect(needsRefresh(REFRESH_AHEAD_MS + 1, 0)).toBe(false);
    expect(needsRefresh(REFRESH_AHEAD_MS, 0)).toBe(true);
  });

  it("keeps an idle grant alive well inside Microsoft's 90 days", () => {
    expect(KEEP_ALIVE_MS).toBeLessThan((90 * 86_400_000) / 4);
    expect(needsKeepAlive(0, KEEP_ALIVE_MS - 1)).toBe(false);
    expect(needsKeepAlive(0, KEEP_ALIVE_MS)).toBe(true);
  });

  it("decodes Gmail's challenge (docs/providers.md) and ignores garbage", () => {
    expect(decodeXOAuth2Challenge('eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==')).toEqual({
      status: '400',
      schemes: 'Bearer',
      scope: 'https://mail.google.com/',
    });
    expect(decodeXOAuth2Challenge('not base64 json')).toBeNull();
  });

  it('builds the SASL XOAUTH2 initial response', () => {
    expect(Buffer.from(xoauth2InitialResponse('a@b.c', 'tok'), 'base64').toString()).toBe('user=a@b.c\x01auth=Bearer tok\x01\x01');
  });
});
