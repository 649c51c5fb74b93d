import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { updateIfBehind } from './self-update';

describe('updating to the version the relay serves', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks the browser for an update once per newer version, and never for the same or an older one', async () => {
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({ manifest_version: 3, name: 'Guardmail', version: '0.1.0' });
    const requestUpdateCheck = vi.fn(async () => ({ status: 'update_available' as const, version: '0.2.0' }));
    vi.stubGlobal('chrome', { runtime: { requestUpdateCheck } });

    await updateIfBehind('0.1.0');
    await updateIfBehind('0.0.9');
    expect(requestUpdateCheck).not.toHaveBeenCalled();
    await updateIfBehind('0.2.0');
    await updateIfBehind('0.2.0');
    expect(requestUpdateCheck).toHaveBeenCalledTimes(1);
    await updateIfBehind('0.10.0');
    expect(requestUpdateCheck).toHaveBeenCalledTimes(2);
  });

  it('leaves a browser without the call (Firefox) to its own updates', async () => {
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({ manifest_version: 3, name: 'Guardmail', version: '0.1.0' });
    vi.stubGlobal('chrome', undefined);
    await expect(updateIfBehind('9.0.0')).resolves.toBeUndefined();
  });
});
