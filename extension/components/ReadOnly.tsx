import { useContext } from 'preact/hooks';
import type { AdminRole } from '../../shared/roles';
import { t } from '../utils/i18n';
import { RoleContext } from './role';

/** Said where a control is left out because the admin's role may not use it. */
export function ReadOnly({ needed }: { needed: AdminRole }) {
  const role = useContext(RoleContext);
  return <p class="hint read-only">{t('readOnly', { role, needed })}</p>;
}
