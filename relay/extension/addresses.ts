import type { FleetPolicyInput } from '../domain/fleet-policy';
import type { ExtensionIdentity } from './signing-key';

/** Chromium's update manifest (gupdate XML), which names the CRX. */
export const UPDATES_XML_PATH = '/extension/updates.xml';
/** Firefox's update manifest, which names the XPI. */
export const UPDATES_JSON_PATH = '/extension/updates.json';
/** The install_url Firefox's policy names: one address for every version, so Firefox installs once and then updates. */
export const FIREFOX_INSTALL_PATH = '/extension/guardmail.xpi';

/** What a policy names for a relay reached at `base`: both families' IDs and the addresses they install and update from. */
export function policyInput(identity: ExtensionIdentity, base: string, enrollmentToken: string): FleetPolicyInput {
  return {
    extensionId: identity.id,
    updateUrl: `${base}${UPDATES_XML_PATH}`,
    firefoxId: identity.firefox.id,
    firefoxInstallUrl: `${base}${FIREFOX_INSTALL_PATH}`,
    relayUrl: base,
    enrollmentToken,
  };
}
