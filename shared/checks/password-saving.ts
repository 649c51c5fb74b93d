import { settingCheck } from './setting';

/** The browser offers to save passwords: they then sit in the profile, and sync may carry them off the device. */
export const passwordSaving = settingCheck({
  id: 'password-saving',
  setting: 'services.passwordSavingEnabled',
  wanted: false,
  subject: 'Password saving',
  policy: 'PasswordManagerEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0011', vuln: 'V-221567', title: 'The Password Manager must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000043', vuln: 'V-235756', title: 'The Password Manager must be disabled.' },
    {
      benchmark: 'cis-chrome',
      id: '2.6.1',
      title: "Ensure 'Enable saving passwords to the password manager' is Explicitly Configured",
      level: 1,
      lockOnly: true,
    },
  ],
});
