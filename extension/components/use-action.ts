import { useCallback, useState } from 'preact/hooks';
import { ClientError, type ShownError } from '../utils/client-errors';

/** What an error becomes on screen: a client error as it was shown, anything else as INTERNAL. */
export const shownError = (err: unknown): ShownError => (err instanceof ClientError ? err.shown : { code: 'INTERNAL' });

/**
 * A user's action against the relay: busy while it runs, its error kept to show, cleared when the next one starts.
 * `run` answers the work's result, or undefined when it failed (the error is then set).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const run = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (err) {
      setError(shownError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
