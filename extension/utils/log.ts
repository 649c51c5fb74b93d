/**
 * A failure nothing waits for: a report its schedule sends again, a refresh the admin can repeat. The console of the
 * page or service worker (chrome://extensions › Inspect) says what was dropped and why, instead of nothing.
 */
export const logFailure =
  (what: string) =>
  (err: unknown): void =>
    console.warn(`Guardmail: ${what} failed.`, err);
