import { afterAll, beforeAll, expect, it } from 'vitest';
import { fill, launchBrowser, press, type TestBrowser } from '../fixtures/browser';
import { serveTestRelay } from '../fixtures/relay';

let chromium: TestBrowser;
let relay: Awaited<ReturnType<typeof serveTestRelay>>;

beforeAll(async () => {
  [chromium, relay] = await Promise.all([launchBrowser({ lang: 'es' }), serveTestRelay()]);
});
afterAll(async () => {
  await chromium?.close();
  await relay?.stop();
});

it('renders the popup in Spanish when the browser is in Spanish, errors and field messages included', async () => {
  const popup = await chromium.openPopup();
  await popup.waitForSelector('#relayUrl');
  expect(await popup.evaluate(() => document.documentElement.lang)).toBe('es');
  expect(await popup.$eval('label[for="relayUrl"]', (e) => e.textContent)).toBe('URL del relé');

  await fill(popup, 'relayUrl', relay.url);
  await fill(popup, 'adminToken', 'gm_adm_wrong-token-wrong-token-wrong-token-xx');
  await press(popup, '#connect');
  const error = await popup.waitForSelector('.error[data-code="UNAUTHORIZED"]');
  expect(await error!.evaluate((e) => (e as HTMLElement).innerText)).toContain('El relé no acepta el token de administrador.');

  await fill(popup, 'adminToken', relay.adminToken);
  await press(popup, '#connect');
  await popup.waitForSelector('#save');
  const status = await popup.evaluate(() => document.body.innerText);
  for (const phrase of ['Estado', 'Servidor de correo', 'Alertas', 'Flota', 'Enviar correo de prueba']) expect(status).toContain(phrase);
  await press(popup, '#tab-mail');
  const mail = await popup.evaluate(() => document.body.innerText);
  for (const phrase of ['Autenticación', 'URL de redirección', 'Guardar']) expect(mail).toContain(phrase);

  await fill(popup, 'port', '0');
  await popup.waitForSelector('#port-error');
  expect(await popup.$eval('#port-error', (e) => e.textContent)).toBe('Indique un puerto entre 1 y 65535 (465 para SMTPS, 587 para SMTP con TLS).');
});
