/**
 * Whether a report may be judged at all, from what the relay knows of its device: the one decision both storage
 * engines take inside their transaction, with the device's row read (and on PostgreSQL locked).
 */

/**
 * The device a report signed by another key than its id's goes to: that key's own, beside the first. A device id is
 * not a secret (it is in every alert mail), so whoever reports under it first with a key of theirs cannot make the
 * real browser's reports bounce, nor turn it "secure": the real browser, reinstalled or impersonated, keeps reporting
 * under `<id>~<its key's thumbprint, 72 bits>`, alerts as itself, and the admin sees both devices with one id. A report
 * cannot claim such an id itself ('~' is not in a device id), and finding a key with the same 72-bit thumbprint prefix
 * as another takes about 2^72 tries.
 */
export const siblingId = (deviceId: string, thumbprint: string): string => `${deviceId}~${thumbprint.slice(0, 12)}`;

/** What the relay keeps of a device that orders its reports. */
export interface DeviceBinding {
  /** The key (canonical JSON) the device is bound to, or null. */
  public_key: string | null;
  last_report_id: string | null;
  /** The signature time (ms) of the last report applied, or null. */
  last_signed_at: number | null;
}

/** The report's signature as the route checked it: the key that signed it and when; null fields for a caller that signs nothing (the demo). */
export interface ReportSignature {
  key: string | null;
  at: number | null;
  /** The key's RFC 7638 thumbprint, which names its own device beside one bound to another key; absent for no key. */
  thumbprint?: string;
}

/**
 * The device a report goes to: the one its id names, unless that one is bound to another key than the one that signed
 * it, in which case the signing key's own device beside it. Decided in the store's transaction, with the row read
 * there: no query of its own, nor a cache that another relay's change could leave wrong.
 */
export function reportDevice(bound: DeviceBinding | undefined, deviceId: string, signature: ReportSignature): string {
  if (!bound?.public_key || !signature.key || !signature.thumbprint || bound.public_key === signature.key) return deviceId;
  return siblingId(deviceId, signature.thumbprint);
}

export type ReportOrder =
  /** Judge it and store the outcome. */
  | 'judge'
  /** The device's last applied report again (its answer was lost): answer the stored verdict, change nothing. */
  | 'duplicate'
  /** Signed by another key than the one the device is bound to. */
  | 'wrong-key'
  /** Signed no later than the last report applied: a captured report replayed, which would roll the device back. */
  | 'replayed';

export function orderReport(previous: DeviceBinding | undefined, reportId: string, signature: ReportSignature): ReportOrder {
  if (!previous) return 'judge';
  if (previous.public_key && previous.public_key !== signature.key) return 'wrong-key';
  if (previous.last_report_id === reportId) return 'duplicate';
  if (signature.at !== null && previous.last_signed_at !== null && signature.at <= previous.last_signed_at) return 'replayed';
  return 'judge';
}
