/** The relay's API version; clients refuse to talk to a relay that speaks another one. */
export const API_VERSION = 'v1';
export const API_PREFIX = `/api/${API_VERSION}`;

/** Answer of GET /healthz. */
export interface HealthAnswer {
  status: 'ok';
  apiVersion: typeof API_VERSION;
}

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  /** A failing critical check makes /readyz answer 503. */
  critical: boolean;
  detail: string;
}

/** Answer of GET /readyz. */
export interface ReadinessAnswer {
  ready: boolean;
  checks: ReadinessCheck[];
}
