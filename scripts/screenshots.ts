/**
 * `npm run screenshots`: the popup's status view, mail server tab and Extensions tab in English and Spanish, from the
 * built extension in Debian's Chromium, connected to a relay configured for Microsoft 365 through Graph, app-only.
 * Writes docs/popup-{en,es}-{status,mail,extensions}.png and the fleet console, docs/console-{en,es}.png, for the docs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { presetFields } from '../shared/presets';
import { EXTENSION_ID } from '../shared/extension';
import { EXTENSION_DIR, fill, launchBrowser } from '../test/fixtures/browser';
import { fleetExtensionOf, serveTestRelay } from '../test/fixtures/relay';
import { startRelayProcess } from '../test/fixtures/relay-process';
import { extension, report, riskyReport } from '../test/fixtures/reports';

const root = resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [resolve(root, 'node_modules/wxt/bin/wxt.mjs'), 'build', 'extension'], { cwd: root, stdio: 'inherit' });

const relay = await serveTestRelay({ extension: fleetExtensionOf(EXTENSION_DIR) });
await relay.call('PUT', '/api/v1/mail-settings', {
  ...presetFields('microsoft', 'contoso.onmicrosoft.com', 'graph', 'client_credentials'),
  provider: 'microsoft',
  tenant: 'contoso.onmicrosoft.com',
  authType: 'oauth',
  senderName: 'IT Security Alerts',
  senderAddress: 'alerts@contoso.com',
  testAddress: 'it-team@contoso.com',
  clientId: '6731de76-14a6-49ae-97bc-6eba6914391e',
  clientSecret: 'example-secret',
});

await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it-team@contoso.com'], blocklist: ['badbadbadbadbadbadbadbadbadbadba'] });
const fleet = [
  riskyReport({ deviceId: 'dev-reception', deviceLabel: 'Reception PC' }),
  report({
    deviceId: 'dev-fin-042',
    deviceLabel: 'FIN-LAPTOP-042',
    extensions: [extension({ id: 'badbadbadbadbadbadbadbadbadbadba', name: 'Coupon Helper' })],
  }),
  report({
    deviceId: 'dev-dev-007',
    deviceLabel: 'DEV-WS-007',
    extensions: [extension({ id: 'toolstoolstoolstoolstoolstoolsto', name: 'Unpacked tool', installType: 'development' })],
  }),
  ...['a', 'b', 'c'].map((n) => report({ deviceId: `dev-office-${n}`, deviceLabel: `Office ${n.toUpperCase()}` })),
];
for (const r of fleet) await relay.call('POST', '/api/v1/reports', r, { token: relay.enrollmentToken });
// The offices' note-taking extension updates, asking for every site's cookies and scripts.
const notes = {
  id: 'notesnotesnotesnotesnotesnotesno',
  name: 'Team Notes',
  installType: 'admin' as const,
  updateUrl: 'https://clients2.google.com/service/update2/crx',
};
for (const version of ['4.1.0', '4.2.0'])
  for (const n of ['a', 'b', 'c'])
    await relay.call(
      'POST',
      '/api/v1/reports',
      report({
        deviceId: `dev-office-${n}`,
        deviceLabel: `Office ${n.toUpperCase()}`,
        extensions: [
          extension({
            ...notes,
            version,
            permissions: version === '4.1.0' ? ['storage'] : ['storage', 'cookies', 'scripting'],
            hostPermissions: version === '4.1.0' ? [] : ['<all_urls>'],
          }),
        ],
      }),
      { token: relay.enrollmentToken },
    );

for (const lang of ['en', 'es']) {
  const chromium = await launchBrowser({ lang });
  const popup = await chromium.openPopup();
  await fill(popup, 'relayUrl', relay.url);
  await fill(popup, 'adminToken', relay.adminToken);
  await popup.click('#connect');
  await popup.waitForSelector('#save');
  await popup.waitForSelector('#this-browser');
  for (const tab of ['status', 'mail', 'extensions']) {
    await popup.click(`#tab-${tab}`);
    if (tab === 'extensions') await popup.waitForSelector('ul.extensions');
    // The popup is as tall as its content, up to 600 px: the picture too.
    const height = await popup.evaluate(() => Math.ceil(document.querySelector('main')!.getBoundingClientRect().bottom));
    await popup.screenshot({ path: resolve(root, `docs/popup-${lang}-${tab}.png`), clip: { x: 0, y: 0, width: 520, height } });
    process.stdout.write(`docs/popup-${lang}-${tab}.png\n`);
  }
  // The console in the options page, filtered by a finding, a device open as an alert mail's link opens it.
  const console = await chromium.browser.newPage();
  await console.setViewport({ width: 1400, height: 760 });
  await console.goto(`chrome-extension://${EXTENSION_ID}/options.html?check=risky-permissions&device=dev-reception#fleet`);
  await console.waitForSelector('#device-findings');
  await console.waitForSelector('#devices tr');
  await console.screenshot({ path: resolve(root, `docs/console-${lang}.png`) });
  process.stdout.write(`docs/console-${lang}.png\n`);
  await chromium.close();
}
await relay.stop();

// The demo mailbox with its sample alert, as a newcomer sees it after `npm run demo`.
const demo = await startRelayProcess(['--demo', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'guardmail-demo-'))]);
const chromium = await launchBrowser();
const page = await chromium.browser.newPage();
await page.setViewport({ width: 900, height: 700 });
for (let i = 0; i < 50; i++) {
  await page.goto(`${demo.url}/demo/mailbox`);
  if ((await page.content()).includes('<article>')) break;
  await new Promise((r) => setTimeout(r, 200));
}
await page.screenshot({ path: resolve(root, 'docs/demo-mailbox.png') });
await chromium.close();
await demo.stop();
process.stdout.write('docs/demo-mailbox.png\n');
