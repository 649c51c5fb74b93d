import { settingCheck } from './setting';

/** The browser stores payment cards and fills them into forms. */
export const autofillCards = settingCheck({
  id: 'autofill-cards',
  setting: 'services.autofillCreditCardEnabled',
  wanted: false,
  subject: 'Card autofill',
  policy: 'AutofillCreditCardEnabled',
  policyValue: 'false',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0070', vuln: 'V-226402', title: 'AutoFill for credit cards must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000028', vuln: 'V-235745', title: 'Autofill for Credit Cards must be disabled.' },
    { benchmark: 'cis-chrome', id: '4.9', title: "Ensure 'Enable AutoFill for credit cards' is set to 'Disabled'", level: 1 },
  ],
});
