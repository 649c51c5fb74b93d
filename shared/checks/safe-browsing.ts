import { settingCheck } from './setting';

/** Safe Browsing off: no warnings for phishing and malware sites or downloads, whatever the policy's baselines. */
export const safeBrowsing = settingCheck({
  id: 'safe-browsing',
  setting: 'services.safeBrowsingEnabled',
  wanted: true,
  always: 'high',
  subject: 'Safe Browsing',
  policy: 'SafeBrowsingProtectionLevel',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0038', vuln: 'V-221580', title: 'Safe Browsing must be enabled.' },
    {
      benchmark: 'cis-chrome',
      id: '1.2.2',
      title: "Ensure 'Safe Browsing Protection Level' is set to 'Enabled: Safe Browsing is active in the standard mode.' or higher",
      level: 1,
    },
  ],
});
