import { sqliteTokenRows } from './access-tokens';
import { AuditLog } from './audit-log';
import { statSync } from 'node:fs';
import { ping, type Db } from './db';
import { DeliveryLog } from './delivery-log';
import { FleetStore } from './fleet-store';
import { MailSettingsStore } from './mail-settings-store';
import { OAuthStore } from './oauth-store';
import { OutboxStore } from './outbox-store';
import { PolicyStore } from './policy-store';
import { ReleaseStore } from './release-store';
import type { SecretBox } from './secret-box';
import { SecretStore } from './secret-store';
import type { Stores } from './stores';

/** The embedded engine: one relay, one file, every answer at once. */
export function sqliteStores(db: Db, box: SecretBox): Stores {
  const secrets = new SecretStore(db, box);
  return {
    engine: 'sqlite',
    mailSettings: new MailSettingsStore(db, secrets),
    policy: new PolicyStore(db),
    deliveryLog: new DeliveryLog(db),
    releases: new ReleaseStore(db),
    oauth: new OAuthStore(db, secrets),
    outbox: new OutboxStore(db),
    audit: new AuditLog(db),
    tokenRows: sqliteTokenRows(db),
    openFleet: (options) => new FleetStore(db, options),
    secret: (name) => secrets.get(name),
    keepSecret: (name, plaintext) => secrets.put(name, plaintext),
    ping: () => ping(db),
    // The pages in use, and the log not yet folded back into the file: what the store takes of the disk.
    sizeBytes: () =>
      (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number) + fileSize(`${db.name}-wal`),
    close: () => void db.close(),
  };
}

const fileSize = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
