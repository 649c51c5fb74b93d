import type { ErrorCode } from '../../shared/errors';
import { alertMail } from '../domain/alert-mail';
import { MAX_ATTEMPTS, retryDelay } from '../domain/retry';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { MailSettingsStore } from '../storage/mail-settings-store';
import type { OAuthStore } from '../storage/oauth-store';
import type { OutboxStore } from '../storage/outbox-store';
import type { PolicyStore } from '../storage/policy-store';
import { DeliveryError, type Failure } from './errors';
import { messageIdFor, type MailSender } from './mail-sender';

export interface OutboxWorkerDeps {
  outbox: OutboxStore;
  policy: PolicyStore;
  mailSettings: MailSettingsStore;
  oauth: OAuthStore;
  sender: MailSender;
  logger: Logger;
  metrics?: Pick<Metrics, 'alertsSent' | 'alertsFailed' | 'alertsRetried' | 'deliveryLatency'>;
  now?: () => number;
  random?: () => number;
  /** How often the outbox is looked at when nothing wakes the worker. */
  pollMs?: number;
  /** How long a claimed batch is ours; after that a crashed worker's batch is taken again. */
  leaseMs?: number;
  /** Devices per mail at most. */
  maxBatch?: number;
}

/** Failures that a later attempt may not meet: the network, the token endpoint, a 4xx answer. */
const TEMPORARY_OAUTH: ReadonlySet<ErrorCode> = new Set(['OAUTH_TOKEN_ENDPOINT_UNREACHABLE', 'OAUTH_PROXY_UNREACHABLE', 'OAUTH_PROVIDER_ERROR', 'SMTP_XOAUTH2_REJECTED']);
/** Not failures of the send: the alerts wait, untouched, until an admin acts. */
const WAIT: ReadonlySet<ErrorCode> = new Set(['OAUTH_REAUTH_REQUIRED', 'OAUTH_NOT_CONNECTED', 'MAIL_NOT_CONFIGURED']);

/**
 * Takes due alerts from the outbox in batches, sends one grouped mail per batch over the pool, and records what
 * happened: sent; retried later with backoff and jitter; failed with its reason; or given back while the account
 * needs re-authorization. One batch at a time.
 */
export class OutboxWorker {
  readonly #d: Required<Pick<OutboxWorkerDeps, 'pollMs' | 'leaseMs' | 'maxBatch' | 'now' | 'random'>> & OutboxWorkerDeps;
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #again = false;

  constructor(deps: OutboxWorkerDeps) {
    // One mail per grouping window even in a storm: the mail bounds itself (domain/alert-mail.ts), and an alert holds at
    // most the findings a mail shows, so 5,000 of them are a few megabytes at worst.
    this.#d = { pollMs: 1_000, leaseMs: 120_000, maxBatch: 5_000, now: Date.now, random: Math.random, ...deps };
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.wake().catch((err: unknown) => this.#d.logger.error({ err }, 'outbox pass failed')), this.#d.pollMs);
    this.#timer.unref();
    void this.wake();
  }

  /**
   * Looks at the outbox now (after a report raised an alert). One pass runs at a time; a wake during a pass makes it
   * look once more before it ends. Answers when the outbox has nothing more to send now.
   */
  wake(): Promise<void> {
    if (this.#draining) {
      this.#again = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      do {
        this.#again = false;
        while (await this.tick());
      } while (this.#again);
    })().finally(() => {
      this.#draining = null;
    });
    return this.#draining;
  }

  /** Sends until nothing is due, or the worker must wait. */
  drain(): Promise<void> {
    return this.wake();
  }

  /** Stops taking new batches and waits for the one in flight. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#again = false;
    await this.#draining?.catch(() => undefined);
  }

  /** One batch: answers whether there may be more to do now. */
  async tick(): Promise<boolean> {
    const d = this.#d;
    const settings = d.mailSettings.get();
    const policy = d.policy.get();
    if (!settings || policy.recipients.length === 0) return false;
    if (settings.authType === 'oauth') {
      const account = d.oauth.account();
      if (!account || account.reauth) return false; // alerts wait for the re-authorization, they do not fail
    }
    const batch = d.outbox.claim(d.now(), d.leaseMs, d.maxBatch);
    if (!batch) return false;

    const mail = alertMail(batch.alerts.map((a) => a.payload), policy.language);
    try {
      await d.sender.sendPooled({
        from: { name: settings.senderName, address: settings.senderAddress },
        to: policy.recipients,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: messageIdFor('alert', batch.batchId, settings.senderAddress),
      });
      const sentAt = d.now();
      d.outbox.sent(batch.batchId, sentAt);
      d.metrics?.alertsSent.inc(batch.alerts.length);
      for (const a of batch.alerts) d.metrics?.deliveryLatency.observe((sentAt - a.payload.reportedAt) / 1000);
      d.logger.info({ batch: batch.batchId, devices: batch.alerts.length }, 'alert mail sent');
      return true;
    } catch (err) {
      const failure: Failure = err instanceof DeliveryError ? err.failure : { code: 'SMTP_FAILED', detail: String(err) };
      const reason = `${failure.code}${failure.serverResponse ? `: ${failure.serverResponse}` : failure.detail ? `: ${failure.detail}` : ''}`;
      const attempts = Math.max(...batch.alerts.map((a) => a.attempts)) + 1;
      if (failure.code === 'SMTP_MESSAGE_TOO_LARGE' && batch.alerts.length > 1) {
        d.outbox.split(batch.batchId, d.now());
        d.logger.warn({ batch: batch.batchId, devices: batch.alerts.length }, 'alert mail too large for the server: split in two');
        return true;
      }
      if (WAIT.has(failure.code)) {
        d.outbox.release(batch.batchId);
        d.logger.warn({ batch: batch.batchId, code: failure.code }, 'alert mail waits');
        return false;
      }
      if ((failure.temporary || TEMPORARY_OAUTH.has(failure.code)) && attempts < MAX_ATTEMPTS) {
        d.outbox.retryLater(batch.batchId, reason, d.now() + retryDelay(attempts, d.random));
        d.metrics?.alertsRetried.inc(batch.alerts.length);
        d.logger.warn({ batch: batch.batchId, code: failure.code, attempts }, 'alert mail will be retried');
      } else {
        d.outbox.failed(batch.batchId, reason);
        d.metrics?.alertsFailed.inc(batch.alerts.length);
        d.logger.error({ batch: batch.batchId, code: failure.code, attempts }, 'alert mail failed');
      }
      return true;
    }
  }
}
