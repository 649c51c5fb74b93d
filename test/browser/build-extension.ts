import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the extension once before the browser tests, for Chromium and Firefox, exactly as `npm run build` does. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  const wxt = (...args: string[]) =>
    execFileSync(process.execPath, [resolve(root, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension', ...args], { cwd: root, stdio: 'pipe' });
  wxt();
  wxt('-b', 'firefox', '--mv3');
}
