import { storage } from 'wxt/utils/storage';
import type { ReportAnswer } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import type { ShownError } from './client-errors';

/**
 * Every storage item of the extension, in one place. Nothing secret is kept here except the admin token the admin chose
 * to save, and a signed-in admin's session, which lives in memory only.
 */

/** Typed by the admin in the popup. */
export const relayUrlItem = storage.defineItem<string | null>('local:relayUrl', { fallback: null });
export const adminTokenItem = storage.defineItem<string | null>('local:adminToken', { fallback: null });

/**
 * An admin signed in through the company's identity provider: the relay's session, short-lived, kept in storage.session
 * (memory, for the extension's own pages and worker only), so that it ends with the browser at the latest.
 */
export interface AdminSession {
  relayUrl: string;
  token: string;
  name: string;
  role: string;
  expiresAt: string;
}
export const sessionItem = storage.defineItem<AdminSession | null>('session:adminSession', { fallback: null });
/** Why the last sign-in failed, for a popup opened again after the sign-in window took its place. */
export const signInErrorItem = storage.defineItem<ShownError | null>('session:signInError', { fallback: null });

/** Pushed by enterprise policy (public/managed-schema.json); wins over what the admin typed. */
export const managedRelayUrlItem = storage.defineItem<string | null>('managed:relayUrl', { fallback: null });
export const managedAdminTokenItem = storage.defineItem<string | null>('managed:adminToken', { fallback: null });

export type ConsentPhase = 'idle' | 'running' | 'connected' | 'failed';

/** The consent flow's outcome, kept so that a reopened popup shows it. */
export interface ConsentState {
  phase: ConsentPhase;
  account?: string;
  error?: ShownError;
  at: number;
}

export const consentItem = storage.defineItem<ConsentState>('local:consent', { fallback: { phase: 'idle', at: 0 } });

/** Reporting, pushed by enterprise policy. */
export const managedEnrollmentTokenItem = storage.defineItem<string | null>('managed:enrollmentToken', { fallback: null });
export const managedIntervalItem = storage.defineItem<number | null>('managed:reportIntervalMinutes', { fallback: null });
export const managedDeviceLabelItem = storage.defineItem<string | null>('managed:deviceLabel', { fallback: null });

/** This browser's stable identity in the fleet, made once. */
export const deviceIdItem = storage.defineItem<string | null>('local:deviceId', { fallback: null });

/** Reports not yet accepted by the relay (it was unreachable): sent, oldest first, at the next run. */
export const reportQueueItem = storage.defineItem<ComplianceReport[]>('local:reportQueue', { fallback: [] });

/** When a change that may alter the verdict happened and was not yet collected: a worker stopped before sending it sends it on waking. */
export const pendingChangeItem = storage.defineItem<number | null>('local:pendingChange', { fallback: null });

/** The relay's latest verdict on this browser, for the "This browser" panel. */
export const lastVerdictItem = storage.defineItem<(ReportAnswer & { at: number }) | null>('local:lastVerdict', { fallback: null });
