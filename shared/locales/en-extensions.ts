/**
 * The Extensions tab's English texts, in a module of their own so that they load with the tab's chunk
 * (extension/components/ExtensionsPanel.tsx), not with the popup. Each other language has them as `extensionsUi`.
 */
export const extensionsUi = {
  extensionsHeading: 'Extensions in the fleet',
  extensionsNone: 'No browser has reported an extension yet.',
  extensionsCount: '{count} extensions, riskiest first. Points: risk table v{version} (docs/extension-risk.md).',
  riskScore: 'Risk {score}',
  extensionDevices: 'On {count} browsers · versions {versions}',
  extensionChanged: '{from} → {to}, {at}: {what}',
  extensionAllowed: 'Allowed by the policy',
  extensionBlocked: 'Blocked by the policy',
  allowExtension: 'Allow',
  allowVersion: 'Allow {version} only',
  blockExtension: 'Block',
  blockAdded: 'Block what it added',
  snippetHelp: 'Set this in the ExtensionSettings policy (Chrome and Edge; Firefox takes installation_mode only):',
  reason_permission: '{permission}',
  'reason_all-sites': 'every site ({pattern})',
  reason_hosts: '{count} sites',
  reason_install: 'installed as {installType}',
  'reason_off-store': 'updates from {updateUrl}',
  reason_grew: 'its last update added {added}',
  'reason_changed-recently': 'changed {at}',
  'reason_one-device': 'on one browser only',
};
