import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXTENSION_ID } from '../shared/extension';
import { launchBrowser } from '../test/fixtures/browser';
import { median, report, ROOT } from './lib';

const RUNS = 7;

/** The popup's size, how soon it is usable, and what one compliance collection costs, in headless Chromium. */
export async function benchExtension(): Promise<void> {
  execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension'], { cwd: ROOT, stdio: 'pipe' });
  // Every script popup.html loads before it runs: its entry and the chunks it preloads (shared with the options page).
  const out = join(ROOT, 'extension/.output/chrome-mv3');
  const html = readFileSync(join(out, 'popup.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const gzKb = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(join(out, file))).length, 0) / 1024;
  report('popup JavaScript, gzipped (English)', gzKb, 'KB', 30, 'target', '≤ 30 KB (ratio ≤ 1)');

  const chromium = await launchBrowser();
  const page = await chromium.browser.newPage();
  const open = async (url: string, selector: string) => {
    const t0 = performance.now();
    await page.goto(url);
    await page.waitForSelector(selector);
    return performance.now() - t0;
  };
  const popupMs: number[] = [];
  const blankMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interactive: the first field of the form can take input.
    popupMs.push(await open(`chrome-extension://${EXTENSION_ID}/popup.html`, '#relayUrl:not([disabled])'));
    blankMs.push(await open(`chrome-extension://${EXTENSION_ID}/managed-schema.json`, 'body'));
  }
  report('popup open to interactive form', median(popupMs), 'ms', median(blankMs), 'an extension page, no script', 'context');

  // One collection (browser, extensions, privacy settings) plus evaluation, through the popup's own message path,
  // against the cheapest message the background answers.
  const ask = (type: string) =>
    page.evaluate(async (t) => {
      const t0 = performance.now();
      await (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ type: t });
      return performance.now() - t0;
    }, type);
  await page.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
  const collect: number[] = [];
  const trivial: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collect.push(await ask('browser/get'));
    trivial.push(await ask('connection/get'));
  }
  report('one compliance collection + verdict', median(collect), 'ms', median(trivial), 'a trivial background message', 'context');
  await chromium.close();
}
