import type { ReleaseDataStatus } from '../../shared/api';
import type { ReleaseStore } from '../storage/releases';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * What the versions are judged against, as /readyz and the popup say it: the vendors' data (and whether some of it is
 * older than `maxAgeMs`), or the fleet-relative fallback while none has arrived.
 */
export function releaseDataStatus(store: Pick<ReleaseStore, 'status'>, maxAgeMs: number, now: number): ReleaseDataStatus {
  const sources = store.status();
  const fetched = sources.filter((s) => s.fetchedAt !== null);
  return {
    basis: fetched.length > 0 ? 'vendor' : 'fleet',
    stale: fetched.length < sources.length || fetched.some((s) => now - s.fetchedAt! > maxAgeMs),
    sources: sources.map((s) => ({ source: s.source, fetchedAt: iso(s.fetchedAt), lastError: s.lastError, lastErrorAt: iso(s.lastErrorAt) })),
  };
}

/** One line for /readyz: which data is in use, and what is missing or old. */
export function releaseDataLine(status: ReleaseDataStatus, now: number): string {
  const age = (at: string) => `${Math.floor((now - Date.parse(at)) / 3_600_000)} h old`;
  const parts = status.sources.map(
    (s) => `${s.source} ${s.fetchedAt ? age(s.fetchedAt) : 'missing'}${s.lastError ? ` (last refresh refused: ${s.lastError})` : ''}`,
  );
  return status.basis === 'fleet' ? `no vendor release data, versions judged against the fleet: ${parts.join('; ')}` : parts.join('; ');
}
