/**
 * The English texts of the Fleet tab's folded sections (deployment, API tokens), in a module of their own so that they
 * load with those sections' chunks (extension/components/DeploymentPanel.tsx, TokensPanel.tsx), not with the popup.
 * Each other language has them as `deploymentUi`.
 */
export const deploymentUi = {
  deploymentHeading: 'Deploy to managed browsers',
  extensionId: 'Extension ID',
  updateUrl: 'Update URL',
  notBuilt: '(not built yet)',
  redirectUrlLabel: 'OAuth redirect URL',
  deploymentHelp:
    'The relay signs the extension with its own key and serves it. Apply a policy file below to install it on managed browsers and enrol them with this relay.',
  enrollmentTokenLabel: 'Enrollment token',
  enrollmentTokenHelp: 'The relay keeps only a hash of it: copy it from first-start-tokens.txt.',
  policyLinux: 'Linux policy (.json)',
  policyWindows: 'Windows policy (.reg)',
  policyMacos: 'macOS profile (.mobileconfig)',
  policySaved: 'Saved {file}: apply it as the README says for your platform.',
  chromiumBrowsers: 'Chrome and Edge',
  firefoxBrowser: 'Firefox',
  installUrl: 'Install URL',
  firefoxSigned: 'signed by Mozilla',
  firefoxUnsigned: 'unsigned: Firefox ESR with signatures off only',
  tokensHeading: 'API tokens',
  tokensHelp: 'Named tokens for people and automation, each with a role and an expiry. A token is shown once, when made.',
  tokenName: 'Name',
  tokenRole: 'Role',
  tokenDays: 'Expires in (days)',
  makeToken: 'Make token',
  tokenMade: 'Copy it now, it is not shown again:',
  tokenLine: '{name}: {role}, until {expires}; last used {used}',
  tokenNeverUsed: 'never',
  tokenRevoked: 'revoked',
  revokeToken: 'Revoke',
  sessionsHeading: 'Signed-in admins',
  sessionLine: '{name}: {role}, since {since}, until {expires}',
  noSessions: 'Nobody is signed in through the identity provider.',
  endSession: 'End session',
};
