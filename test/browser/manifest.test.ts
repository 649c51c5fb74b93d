import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSION_ID } from '../../shared/extension';
import { LANGS } from '../../shared/locales/lang';

const root = resolve(import.meta.dirname, '../..');
const manifest = (target: string) => JSON.parse(readFileSync(resolve(root, `extension/.output/${target}/manifest.json`), 'utf8')) as Record<string, unknown>;

describe('the built extension', () => {
  it('carries the key whose hash is the extension ID the relay and the README use', () => {
    const chrome = manifest('chrome-mv3');
    // Chromium's rule: the ID is the first 32 hex digits of SHA-256(public key DER), written with a–p.
    const hex = createHash('sha256')
      .update(Buffer.from(chrome.key as string, 'base64'))
      .digest('hex')
      .slice(0, 32);
    expect([...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('')).toBe(EXTENSION_ID);
  });

  it('asks for the fewest permissions: no host permissions at all', () => {
    const chrome = manifest('chrome-mv3');
    expect(chrome.permissions).toEqual(['storage', 'identity', 'alarms', 'management', 'privacy']);
    expect(chrome.host_permissions).toBeUndefined();
  });

  it("names and describes itself in the browser's language, English and Spanish, from _locales", () => {
    const chrome = manifest('chrome-mv3');
    expect(chrome).toMatchObject({ name: '__MSG_extName__', description: '__MSG_extDescription__', default_locale: 'en' });
    const messages = (lang: string) =>
      JSON.parse(readFileSync(resolve(root, `extension/.output/chrome-mv3/_locales/${lang}/messages.json`), 'utf8')) as Record<string, { message: string }>;
    for (const lang of LANGS) expect(Object.keys(messages(lang)).sort(), lang).toEqual(Object.keys(messages('en')).sort());
    expect(messages('en').extDescription!.message).toContain('highly vulnerable');
    expect(messages('es').extDescription!.message).toContain('altamente vulnerables');
  });

  it('also builds for Firefox, with a Gecko ID instead of a Chromium key', () => {
    execFileSync(process.execPath, [resolve(root, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension', '-b', 'firefox'], { cwd: root, stdio: 'pipe' });
    const firefox = manifest('firefox-mv2');
    expect(firefox.key).toBeUndefined();
    expect(firefox).toMatchObject({ browser_specific_settings: { gecko: { id: 'guardmail@guardmail.invalid' } } });
  });
});
