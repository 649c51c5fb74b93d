import { useEffect, useState } from 'preact/hooks';
import { logFailure } from '../utils/log';

/**
 * A part of the page that is a chunk of its own, loaded the first time `wanted` holds: the popup opens on the status
 * view, and what only a tab or a role shows is not read before it is. Null until loaded.
 */
export function useLazy<T>(wanted: boolean, load: () => Promise<T>, what: string): T | null {
  const [part, setPart] = useState<T | null>(null);
  useEffect(() => {
    if (wanted && !part) void load().then((loaded) => setPart(() => loaded), logFailure(`loading ${what}`));
  }, [wanted, part]);
  return part;
}
