import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { grants, type AdminRole } from '../../shared/roles';

/** The role the popup acts with (the status answer's): what it may change is shown, what it may not is not. */
export const RoleContext = createContext<AdminRole>('viewer');

/** Whether the admin's role allows what needs `needed`: the relay checks again, this only spares a 403. */
export function useMay(): (needed: AdminRole) => boolean {
  const role = useContext(RoleContext);
  return (needed) => grants(role, needed);
}
