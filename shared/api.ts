import type { FleetStatus } from './fleet';
import type { Transport } from './mail-settings';
import type { OAuthStatus } from './oauth';
import type { AdminRole } from './roles';

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
  /** What was found (the mail server, the account, the error): only for the admin token. */
  detail?: string;
}

/** Answer of GET /readyz. */
export interface ReadinessAnswer {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** Gives GET /api/v1/deployment/policy the enrollment token when the relay keeps only its hash. */
export const ENROLLMENT_TOKEN_HEADER = 'X-Guardmail-Enrollment-Token';

/** Answer of GET /api/v1/deployment: the fleet's extension, as its signing key makes it. */
export interface DeploymentAnswer {
  extensionId: string;
  origin: string;
  redirectUrl: string;
  updateUrl: string;
  /** The signed build's version; null while the relay has no build. */
  version: string | null;
  /** The same extension as Firefox installs it from the relay. */
  firefox: {
    /** The add-on ID the relay gives it, derived from its signing key. */
    extensionId: string;
    /** What `identity.getRedirectURL()` answers in Firefox: register it too when admins use Firefox. */
    redirectUrl: string;
    /** The policy's install_url, and the update manifest the XPI names. */
    installUrl: string;
    updateUrl: string;
    /** The served XPI's version; null while the relay has no Firefox build. */
    version: string | null;
    /** Whether it is the admin's Mozilla-signed XPI, which release Firefox requires. */
    signed: boolean;
  };
  /** Whether the relay can write the enrollment token into a policy without being given it. */
  enrollmentTokenKnown: boolean;
  platforms: string[];
  /** The browser families a policy is written for: chromium (Chrome, Chromium, Edge) and firefox. */
  browsers: string[];
}

/** Answer of GET /api/v1/status. */
export interface StatusAnswer {
  apiVersion: string;
  mail:
    | { configured: false }
    | {
        configured: true;
        transport: Transport;
        /** Where mail goes, in a few words (see mailDestination). */
        destination: string;
        host: string;
        port: number;
        emailType: string;
        authType: string;
        /** `client_credentials` is app-only: no account to connect or re-authorize. */
        oauthGrant: string;
        provider: string;
        senderAddress: string;
      };
  /** Null when no account is connected. */
  oauth: OAuthStatus | null;
  delivery: {
    lastDeliveredAt: string | null;
    lastFailure: { code: string; at: string } | null;
    /** Alert mail due longer than the relay's delay threshold: since when, and the error (a code of the error table). */
    /** Since when alerts wait, and why: the error's code, with its message and hint in English (the popup translates the code). */
    delayed: { since: string; code: string; detail: string | null; message: string; hint: string } | null;
  };
  fleet: FleetStatus;
  /** Alerts wait while the policy has no recipient. */
  alertRecipients: number;
  releaseData: ReleaseDataStatus;
  /** Who is asking: the break-glass "admin token" (an owner) or a named API token, with its role. */
  admin: { name: string; role: AdminRole };
}

/** What browser versions are judged against: the vendors' release data, or the fleet while none has arrived. */
export interface ReleaseDataStatus {
  basis: 'vendor' | 'fleet';
  /** Some source is missing or older than the relay's maximum age; the data in use is used all the same. */
  stale: boolean;
  sources: { source: string; fetchedAt: string | null; lastError: string | null; lastErrorAt: string | null }[];
}

/** One admin change: when, by which request, what; never a secret's value. */
export interface AuditEntry {
  id: number;
  at: string;
  requestId: string;
  action: string;
  details: Record<string, unknown>;
  /** Who did it, for an admin's request: a token's name ("admin token" for the break-glass one), its role, its address. */
  actor?: string;
  role?: string;
  source?: string;
}

/** Answer of GET /api/v1/audit: newest first. */
export interface AuditAnswer {
  entries: AuditEntry[];
}

/** A named API token as GET /api/v1/tokens lists it: never its value, which only its creation answers. */
export interface ApiTokenView {
  id: number;
  name: string;
  role: AdminRole;
  createdAt: string;
  /** Who made it: an admin's name (a token's name, or "admin token"). */
  createdBy: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}
