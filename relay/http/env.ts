import type { Principal } from '../storage/api-tokens';

/** Per request: its id, and once the admin routes' door (auth.ts) has let it in, who is asking and from where. */
export type AppEnv = { Variables: { requestId: string; principal?: Principal & { source: string } } };
