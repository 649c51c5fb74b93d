import type { AddressInfo } from 'node:net';

export interface DemoMessage {
  id: number;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface DemoMailbox {
  port: number;
  messages: DemoMessage[];
  close(): Promise<void>;
}

const KEEP = 100;

/**
 * A development mailbox for the demo: an SMTP server on loopback that keeps the last messages it receives in memory,
 * for the relay's /demo/mailbox page. Plain SMTP with no authentication: it never leaves this machine.
 */
export async function startDemoMailbox(port = 0): Promise<DemoMailbox> {
  // Imported here, not at the top: bundled, a top-level import would load them into every relay, demo or not.
  const [{ simpleParser }, { SMTPServer }] = await Promise.all([import('mailparser'), import('smtp-server')]);
  const messages: DemoMessage[] = [];
  let next = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Guardmail demo mailbox',
    logger: false,
    size: 5 * 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.unshift({
            id: next++,
            receivedAt: new Date().toISOString(),
            from: mail.from?.text ?? '',
            to: [mail.to ?? []]
              .flat()
              .map((a) => a.text)
              .join(', '),
            subject: mail.subject ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            text: mail.text ?? '',
          });
          messages.length = Math.min(messages.length, KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
