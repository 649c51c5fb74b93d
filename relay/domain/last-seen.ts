/**
 * When a device was last seen is the one thing most reports change (a browser reports hourly, and nearly always
 * finds what it found before). The relay keeps it in memory and writes it only once the stored time is this far
 * behind: a device reporting hourly without a change writes its row about once in this long, instead of each hour.
 *
 * Why losing it is safe: last-seen feeds "stopped reporting" (7 days by default, one at the least) and the pruning of
 * silent devices (90 days), never an alert, nor a device's level or findings. A crash loses at most the memory's
 * newer times; the stored one stays within this much (and a minute) of the truth, and the next report moves it on.
 */
export const LAST_SEEN_STEP_MS = 4 * 3_600_000;

/** How often the times due are written, in one transaction. */
export const LAST_SEEN_FLUSH_MS = 60_000;

/** Whether a device seen at `seenAt`, stored as seen at `storedAt`, must have its time written now. */
export const lastSeenDue = (storedAt: number, seenAt: number): boolean => seenAt - storedAt >= LAST_SEEN_STEP_MS;
