import * as v from 'valibot';
import { singleLine } from './mail-settings';
import { ADMIN_ROLES } from './roles';

/** The longest a named API token lives: a year, so that every automation's access ends unless renewed. */
export const MAX_TOKEN_DAYS = 365;

/** Body of POST /api/v1/tokens: a named token for automation, with the least role it needs and when it ends. */
export const ApiTokenInput = v.strictObject(
  {
    // Printed in the audit log, the popup and the owners' mail: one line, no control or invisible characters.
    name: v.pipe(singleLine('name', 100), v.minLength(1, 'name: give the token a name that says what uses it, e.g. "grafana".')),
    role: v.picklist(ADMIN_ROLES, `role must be one of ${ADMIN_ROLES.join(', ')}.`),
    expiresInDays: v.pipe(
      v.number('expiresInDays must be a number of days.'),
      v.integer('expiresInDays must be a whole number of days.'),
      v.minValue(1, 'expiresInDays must be at least 1.'),
      v.maxValue(MAX_TOKEN_DAYS, `expiresInDays must be at most ${MAX_TOKEN_DAYS}.`),
    ),
  },
  'Unknown field: only "name", "role" and "expiresInDays" are accepted.',
);

/** Answer of POST /api/v1/tokens: the token's value, this once. */
export interface ApiTokenCreated {
  token: string;
  id: number;
  name: string;
  role: string;
  expiresAt: string;
}
