import type { Level } from '../../shared/alert-policy';
import type { Finding } from '../../shared/checks/index';
import { lang, t } from '../utils/i18n';

/** A level as words and a colour, never colour alone. */
export function LevelBadge({ level }: { level: Level }) {
  return <span class={`level level-${level}`}>{t(`level_${level}`)}</span>;
}

/** Findings with what to do, in the browser's language. */
export function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <p>{t('noFindings')}</p>;
  return (
    <ul class="findings">
      {findings.map((f, i) => (
        <li key={i}>
          <strong>{f.title[lang]}</strong>
          <br />
          {f.remediation[lang]}
        </li>
      ))}
    </ul>
  );
}
