import { browser } from 'wxt/browser';
import type { Request } from '../../utils/protocol';
import { resetStaleConsent } from './consent';
import { handleMessage } from './messaging';

export default defineBackground(() => {
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    // Only our own pages may drive the relay with the admin token.
    if (sender.id !== browser.runtime.id) return undefined;
    return handleMessage(message as Request);
  });
  void resetStaleConsent();
});
