import { settingCheck } from './setting';

/** Network prediction resolves and connects to hosts the user has not chosen to visit yet. */
export const networkPrediction = settingCheck({
  id: 'network-prediction',
  setting: 'network.networkPredictionEnabled',
  wanted: false,
  subject: 'Network prediction',
  policy: 'NetworkPredictionOptions',
  rules: [
    { benchmark: 'stig-chrome', id: 'DTBC-0025', vuln: 'V-221574', title: 'Network prediction must be disabled.' },
    { benchmark: 'stig-edge', id: 'EDGE-00-000011', vuln: 'V-235728', title: 'Network prediction must be disabled.' },
    {
      benchmark: 'cis-chrome',
      id: '3.10',
      title: "Ensure 'Enable predict network actions' is set to 'Enabled: Do not predict actions on any network connection'",
      level: 1,
    },
  ],
});
