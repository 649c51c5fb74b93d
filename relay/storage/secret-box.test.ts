import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, SecretBox } from './secret-box';

describe('SecretBox', () => {
  it('seals with AES-256-GCM under the current key id and opens it again', () => {
    const key = randomBytes(32);
    const box = new SecretBox(key);
    const sealed = box.seal('hunter2', 'mail.password');
    expect(sealed.keyId).toBe(keyIdOf(key));
    expect(sealed.ciphertext.includes(Buffer.from('hunter2'))).toBe(false);
    expect(box.open(sealed, 'mail.password')).toBe('hunter2');
  });

  it('opens secrets sealed with a previous key after a rotation, and seals new ones with the new key', () => {
    const oldKey = randomBytes(32);
    const sealed = new SecretBox(oldKey).seal('hunter2', 'mail.password');
    const rotated = new SecretBox(randomBytes(32), [oldKey]);
    expect(rotated.open(sealed, 'mail.password')).toBe('hunter2');
    expect(rotated.seal('x', 'n').keyId).not.toBe(sealed.keyId);
  });

  it('refuses a ciphertext moved to another secret, tampered with, or sealed with an unknown key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('hunter2', 'mail.password');
    expect(() => box.open(sealed, 'mail.clientSecret')).toThrow();
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0]! ^= 0xff; // flipped, not zeroed: a zeroed byte may already have been zero (1 run in 256 passed by luck)
    const tampered = { ...sealed, ciphertext: flipped };
    expect(() => box.open(tampered, 'mail.password')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'mail.password')).toThrow(/sealed with key [0-9a-f]{16}/);
  });
});
