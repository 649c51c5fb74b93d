import { settingCheck } from './setting';

/** The browser stores addresses and fills them into forms, where a hidden field can collect them. */
export const autofillAddresses = settingCheck({
  id: 'autofill-addresses',
  setting: 'services.autofillAddressEnabled',
  wanted: false,
  subject: 'Address autofill',
  policy: 'AutofillAddressEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0071', vuln: 'V-226403', title: 'AutoFill for addresses must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000029', vuln: 'V-235746', title: 'Autofill for addresses must be disabled.' },
    { benchmark: 'cis-chrome', id: '4.8', title: "Ensure 'Enable AutoFill for addresses' is set to 'Disabled'", level: 2 },
  ],
});
