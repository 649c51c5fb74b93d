import type { AlertPolicy } from '../../shared/alert-policy';
import type { ComplianceReport } from '../../shared/report';
import { changeAlert } from './extension-alert';
import {
  alertsFor,
  changeAlertId,
  extensionAlertSource,
  extensionsDigest,
  inventoryStep,
  spendChangeAlert,
  type ChangeAlertBudget,
  type DeviceExtension,
  type ExtensionVersion,
} from './extension-inventory';
import { HISTORY_MS } from './fleet-versions';

/** An alert to enqueue: its payload as stored, due once the grouping window has passed. */
export interface NewAlert {
  /** The device's id, or a fleet-wide alert's source (extension-inventory.ts's extensionAlertSource). */
  deviceId: string;
  reportId: string;
  payload: string;
  createdAt: number;
  dueAt: number;
}

/** A fleet-wide alert's identity, as the outbox's unique (device_id, report_id) holds it. */
export const alertKey = (source: string, id: string) => `${source} ${id}`;

/** What the store read of the inventory before a group is judged. */
export interface InventoryBefore {
  /** Per device whose extensions may have changed: what it ran, by extension id. */
  links: ReadonlyMap<string, ReadonlyMap<string, DeviceExtension>>;
  /** The versions those links name. */
  known: ReadonlyMap<string, ExtensionVersion>;
  /** A device without a day of history may start a change alert: the relay-wide allowance for such devices (rate-limit.ts). */
  spendWithoutHistory: (now: number) => boolean;
  /** Change alerts (alertKey) this relay already raised: joining one spends nothing. */
  raised: ReadonlySet<string>;
}

/** What the group changes in the extension inventory: each link and version once, as the group left it. */
export interface InventoryWrites {
  links: DeviceExtension[];
  /** [device id, extension id] pairs the devices no longer have. */
  removed: [string, string][];
  versions: ExtensionVersion[];
}

/** The device as the inventory needs it: its stored digest and when it was first and last seen. */
interface DeviceBefore {
  extensions_digest: string | null;
  first_seen_at: number;
  last_seen_at: number;
}

/**
 * A group's reports, in order, against the extension inventory: what each device now runs, what the store writes (each
 * link as the group's last report left it, so a link dropped and brought back in one group is written, not deleted
 * after), and an alert per change no device of the group or of this relay raised yet (the outbox keeps one per
 * extension and version whoever raises it again).
 */
export class InventoryGroup {
  readonly #before: InventoryBefore;
  readonly #links: Map<string, ReadonlyMap<string, DeviceExtension>>;
  readonly #known: Map<string, ExtensionVersion>;
  readonly #raised: Set<string>;
  readonly #linkWrites = new Map<string, DeviceExtension>();
  readonly #linkRemovals = new Map<string, [string, string]>();
  readonly #versionWrites = new Map<string, ExtensionVersion>();
  /** The change alerts the group raised (alertKey), for the store to remember once they are committed. */
  readonly raised: string[] = [];

  constructor(before: InventoryBefore) {
    this.#before = before;
    this.#links = new Map(before.links);
    this.#known = new Map(before.known);
    this.#raised = new Set(before.raised);
  }

  /** One report: the device's new digest and change-alert budget, and the alerts it raised. */
  take(
    { report, policy, now }: { report: ComplianceReport; policy: AlertPolicy; now: number },
    previous: DeviceBefore | undefined,
    label: string,
    budget: ChangeAlertBudget | null,
  ): { digest: string | null; budget: ChangeAlertBudget | null; alerts: NewAlert[] } {
    const digest = extensionsDigest(report.extensions);
    if (digest === previous?.extensions_digest) return { digest, budget, alerts: [] };
    // A device's first inventory (new, or stored before there was one) is its starting point: no change.
    const before = previous?.extensions_digest ? (this.#links.get(report.deviceId) ?? new Map<string, DeviceExtension>()) : null;
    const step = inventoryStep({ deviceId: report.deviceId, extensions: report.extensions, previous: before, known: this.#known, now });
    const mine = new Map(before);
    for (const link of step.links) {
      mine.set(link.extension_id, link);
      this.#linkWrites.set(`${link.device_id} ${link.extension_id}`, link);
      this.#linkRemovals.delete(`${link.device_id} ${link.extension_id}`);
    }
    for (const id of step.removed) {
      mine.delete(id);
      this.#linkWrites.delete(`${report.deviceId} ${id}`);
      this.#linkRemovals.set(`${report.deviceId} ${id}`, [report.deviceId, id]);
    }
    this.#links.set(report.deviceId, mine);
    for (const v of step.versions) {
      this.#known.set(v.version_key, v);
      this.#versionWrites.set(v.version_key, v);
    }

    const history = previous !== undefined && previous.last_seen_at - previous.first_seen_at >= HISTORY_MS;
    const alerts: NewAlert[] = [];
    for (const change of step.changes) {
      const key = alertKey(extensionAlertSource(change.extensionId), changeAlertId(change));
      if (this.#raised.has(key) || !alertsFor(change, policy)) continue;
      const spent = spendChangeAlert(budget, now);
      if (!spent || (!history && !this.#before.spendWithoutHistory(now))) continue;
      budget = spent;
      this.#raised.add(key);
      this.raised.push(key);
      alerts.push({
        deviceId: extensionAlertSource(change.extensionId),
        reportId: changeAlertId(change),
        payload: JSON.stringify(changeAlert(change, { id: report.deviceId, label }, now)),
        createdAt: now,
        dueAt: now + policy.groupingWindowSeconds * 1000,
      });
    }
    return { digest, budget, alerts };
  }

  writes(): InventoryWrites {
    return { links: [...this.#linkWrites.values()], removed: [...this.#linkRemovals.values()], versions: [...this.#versionWrites.values()] };
  }
}
