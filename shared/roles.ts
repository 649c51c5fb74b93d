/**
 * What an admin may do, least first; each role may do everything the ones before it may:
 * - viewer: read the status, fleet, extensions, alerts, audit log and settings (never a secret, never a change);
 * - operator: also the alert policy, device actions, retrying alerts and the test mail;
 * - owner: also the mail settings and their consent, API tokens, and deployment policies with the enrollment token.
 * Each admin route names the role it needs once, in relay/routes/openapi.ts; the popup hides what a role may not do.
 */
export const ADMIN_ROLES = ['viewer', 'operator', 'owner'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const isAdminRole = (value: unknown): value is AdminRole => (ADMIN_ROLES as readonly unknown[]).includes(value);

/** Whether `held` may do what needs `needed`. */
export const grants = (held: AdminRole, needed: AdminRole): boolean => ADMIN_ROLES.indexOf(held) >= ADMIN_ROLES.indexOf(needed);
