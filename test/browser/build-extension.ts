import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the extension once before the browser tests, exactly as `npm run build` does. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension'], { cwd: root, stdio: 'pipe' });
}
