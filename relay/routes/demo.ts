import { Hono } from 'hono';
import type { AppEnv } from '../deps';
import type { DemoMailbox } from '../demo/mailbox';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The demo mailbox's page: every message the relay sent it, newest first, each mail's HTML in a sandboxed frame. */
export function demoRoutes(mailbox: DemoMailbox): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/demo/mailbox', (c) => {
    const items = mailbox.messages
      .map(
        (m) => `<article>
  <h2>${escape(m.subject)}</h2>
  <p class="meta">From ${escape(m.from)} to ${escape(m.to)}, received ${escape(m.receivedAt.replace('T', ' ').slice(0, 19))} UTC</p>
  ${m.html ? `<iframe sandbox srcdoc="${escape(m.html)}" title="${escape(m.subject)}"></iframe>` : `<pre>${escape(m.text)}</pre>`}
</article>`,
      )
      .join('\n');
    c.header('Cache-Control', 'no-store');
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'");
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Guardmail demo mailbox</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px}article{border:1px solid #ccc;border-radius:6px;padding:12px 16px;margin:16px 0}
h2{font-size:18px;margin:0 0 4px}.meta{color:#555;margin:0 0 8px}iframe{width:100%;height:420px;border:1px solid #eee}</style></head>
<body><h1>Guardmail demo mailbox</h1><p>Mail the relay sent to its built-in development mailbox (SMTP on 127.0.0.1:${mailbox.port}). This page refreshes every 5 seconds.</p>
${items || '<p>No mail yet.</p>'}</body></html>`);
  });
  return routes;
}
