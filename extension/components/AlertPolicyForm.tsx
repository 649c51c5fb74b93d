import { useState } from 'preact/hooks';
import * as v from 'valibot';
import { AlertPolicy, BASELINES, type Baseline } from '../../shared/alert-policy';
import { t } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Check, Field } from './Field';
import { useAction } from './use-action';
import { ReadOnly } from './ReadOnly';
import { useMay } from './role';

const lines = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

interface FormState {
  baselines: readonly Baseline[];
  recipients: string;
  threshold: string;
  cooldownMinutes: string;
  groupingWindowSeconds: string;
  language: string;
  minimumVersions: string;
  maxMajorsBehind: string;
  releaseGraceDays: string;
  extensionRiskThreshold: string;
  allowlist: string;
  blocklist: string;
}

function toForm(p: AlertPolicy): FormState {
  return {
    recipients: p.recipients.join('\n'),
    threshold: p.threshold,
    cooldownMinutes: String(p.cooldownMinutes),
    groupingWindowSeconds: String(p.groupingWindowSeconds),
    language: p.language,
    minimumVersions: Object.entries(p.minimumVersions)
      .map(([b, ver]) => `${b}=${ver}`)
      .join('\n'),
    maxMajorsBehind: String(p.maxMajorsBehind),
    releaseGraceDays: String(p.releaseGraceDays),
    extensionRiskThreshold: String(p.extensionRiskThreshold),
    baselines: p.baselines,
    allowlist: p.allowlist.join('\n'),
    blocklist: p.blocklist.join('\n'),
  };
}

function toPolicy(f: FormState): unknown {
  return {
    recipients: lines(f.recipients),
    threshold: f.threshold,
    cooldownMinutes: Number(f.cooldownMinutes),
    groupingWindowSeconds: Number(f.groupingWindowSeconds),
    language: f.language,
    minimumVersions: Object.fromEntries(lines(f.minimumVersions).map((l) => l.split('=').map((x) => x.trim()))),
    maxMajorsBehind: Number(f.maxMajorsBehind),
    releaseGraceDays: Number(f.releaseGraceDays),
    extensionRiskThreshold: Number(f.extensionRiskThreshold),
    baselines: f.baselines,
    allowlist: lines(f.allowlist),
    blocklist: lines(f.blocklist),
  };
}

/** The alert policy, validated with the relay's schema before it is sent. */
export function AlertPolicyForm({ saved, onSaved }: { saved: AlertPolicy; onSaved: (p: AlertPolicy) => void }) {
  const may = useMay();
  const [form, setForm] = useState(() => toForm(saved));
  const [notice, setNotice] = useState('');
  const { error, run } = useAction();
  const result = v.safeParse(AlertPolicy, toPolicy(form));
  const issues: Record<string, string> = {};
  if (!result.success) for (const i of result.issues) issues[(v.getDotPath(i) ?? '').split('.')[0]!] ??= i.message;
  type TextKey = Exclude<keyof FormState, 'baselines'>;
  const set = (k: TextKey) => (value: string) => setForm((f) => ({ ...f, [k]: value }));
  const field = (k: TextKey) => ({ id: k, value: form[k], onValue: set(k), error: issues[k] });
  // Kept in BASELINES order, so the saved list does not depend on the order of the clicks.
  const toggle = (b: Baseline) => (on: boolean) => setForm((f) => ({ ...f, baselines: BASELINES.filter((x) => (x === b ? on : f.baselines.includes(x))) }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setNotice('');
    if (!result.success) return setNotice(t('fixFields'));
    const { output } = result;
    await run(async () => {
      const policy = await ask({ type: 'policy/save', policy: output });
      setForm(toForm(policy));
      setNotice(t('saved'));
      onSaved(policy);
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="policy-heading">
      <h2 id="policy-heading" class="sr-only">
        {t('alertPolicyHeading')}
      </h2>
      <Field {...field('recipients')} label={t('recipients')} help={t('recipientsHelp')} multiline />
      <div class="row2">
        <div class="field">
          <label for="threshold">{t('threshold')}</label>
          <select id="threshold" value={form.threshold} onChange={(e) => set('threshold')(e.currentTarget.value)}>
            <option value="very_high">{t('level_very_high')}</option>
            <option value="high">{t('level_high')}</option>
            <option value="low">{t('level_low')}</option>
          </select>
        </div>
        <div class="field">
          <label for="language">{t('language')}</label>
          <select id="language" value={form.language} onChange={(e) => set('language')(e.currentTarget.value)}>
            <option value="en">{t('languageEn')}</option>
            <option value="es">{t('languageEs')}</option>
          </select>
        </div>
      </div>
      <div class="row2">
        <Field {...field('cooldownMinutes')} label={t('cooldownMinutes')} type="number" />
        <Field {...field('groupingWindowSeconds')} label={t('groupingWindowSeconds')} type="number" />
      </div>
      <fieldset class="choice" id="baselines" aria-describedby="baselines-help">
        <legend>{t('baselines')}</legend>
        <Check id="baseline-stig" label={t('baselineStig')} checked={form.baselines.includes('stig')} onChecked={toggle('stig')} />
        <Check id="baseline-cis-l1" label={t('baselineCisL1')} checked={form.baselines.includes('cis-l1')} onChecked={toggle('cis-l1')} />
        <Check id="baseline-cis-l2" label={t('baselineCisL2')} checked={form.baselines.includes('cis-l2')} onChecked={toggle('cis-l2')} />
        <p class="help" id="baselines-help">
          {t('baselinesHelp')}
        </p>
      </fieldset>
      <details>
        <summary>{t('advanced')}</summary>
        <Field {...field('minimumVersions')} label={t('minimumVersions')} help={t('minimumVersionsHelp')} multiline />
        <Field {...field('releaseGraceDays')} label={t('releaseGraceDays')} type="number" />
        <Field {...field('maxMajorsBehind')} label={t('maxMajorsBehind')} type="number" />
        <Field {...field('extensionRiskThreshold')} label={t('extensionRiskThreshold')} help={t('extensionRiskThresholdHelp')} type="number" />
        <Field {...field('allowlist')} label={t('allowlist')} help={t('allowlistHelp')} multiline />
        <Field {...field('blocklist')} label={t('blocklist')} help={t('extensionIdsHelp')} multiline />
      </details>
      {may('operator') ? (
        <button type="submit" id="save-policy" class="primary">
          {t('save')}
        </button>
      ) : (
        <ReadOnly needed="operator" />
      )}
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
