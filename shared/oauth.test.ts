import { describe, expect, it } from 'vitest';
import { sendsAsAnother } from './oauth';

describe('sendsAsAnother', () => {
  it('says when mail goes out as another address than the account, ignoring case', () => {
    expect(sendsAsAnother('alice@example.com', 'relay@example.com')).toBe(true);
    expect(sendsAsAnother('Relay@Example.com', 'relay@example.com')).toBe(false);
    expect(sendsAsAnother(null, 'relay@example.com')).toBe(false);
  });
});
