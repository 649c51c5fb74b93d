import { describe, expect, it } from 'vitest';
import { ADMIN_ROLES, grants, isAdminRole } from './roles';

describe('admin roles', () => {
  it('let each role do what the roles below it may, and nothing above', () => {
    const table = ADMIN_ROLES.map((held) => ADMIN_ROLES.map((needed) => grants(held, needed)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it('know their own names only', () => {
    expect(ADMIN_ROLES.every(isAdminRole)).toBe(true);
    for (const other of ['admin', 'Owner', '', null, 2]) expect(isAdminRole(other)).toBe(false);
  });
});
