import { alertMail, consoleLink } from '../domain/alert-mail';
import { deliveryHold } from '../domain/delivery-hold';
import { isExtensionAlert, type OutboxPayload } from '../domain/judgement';
import { afterFailure, DEFAULT_DELIVERY_TIMES, type DeliveryTimes } from '../domain/retry';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { ExtensionInventory } from '../storage/extensions';
import type { OAuthStore } from '../storage/oauth';
import type { OutboxStore } from '../storage/outbox';
import type { MailSettingsStore, PolicyStore } from '../storage/settings';

/** What the worker does with the outbox. */
type Outbox = Pick<OutboxStore, 'claim' | 'sent' | 'split' | 'release' | 'retryLater' | 'failed' | 'retryNow' | 'expire'>;
import { DeliveryError, type Failure } from './errors';
import { messageIdFor, type MailSender } from './mail-sender';

export interface OutboxWorkerDeps {
  /** SQLite's, or PostgreSQL's shared by several relays: every call is awaited. */
  outbox: Outbox;
  policy: PolicyStore;
  mailSettings: MailSettingsStore;
  oauth: OAuthStore;
  sender: MailSender;
  /** Who runs an extension alert's version, read as its mail is written; without it, a mail names the reporting device. */
  inventory?: Pick<ExtensionInventory, 'reach'>;
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
  /** The queue lifetime (and when waiting is a delay, which the worker does not act on). */
  times?: DeliveryTimes;
  /** The console's options page, which each device in a mail links to (domain/alert-mail.ts consoleLink); none without it. */
  consoleUrl?: string;
}

/** How often alerts past the queue lifetime are failed: the lifetime is days, a minute late is nothing. */
const EXPIRE_EVERY_MS = 60_000;

/**
 * Takes due alerts from the outbox in batches, sends one grouped mail per batch over the pool, and records what
 * happened: sent; retried later with backoff and jitter; failed with its reason; or given back while the account
 * needs re-authorization. One batch at a time.
 */
export class OutboxWorker {
  readonly #d: Required<Pick<OutboxWorkerDeps, 'pollMs' | 'leaseMs' | 'maxBatch' | 'now' | 'random' | 'times'>> & OutboxWorkerDeps;
  #expiredAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #again = false;

  constructor(deps: OutboxWorkerDeps) {
    // One mail per grouping window even in a storm: the mail bounds itself (domain/alert-mail.ts), and an alert holds at
    // most the findings a mail shows, so 5,000 of them are a few megabytes at worst.
    this.#d = { pollMs: 1_000, leaseMs: 120_000, maxBatch: 5_000, now: Date.now, random: Math.random, times: DEFAULT_DELIVERY_TIMES, ...deps };
  }

  start(): void {
    const pass = () => void this.wake().catch((err: unknown) => this.#d.logger.error({ err }, 'outbox pass failed'));
    this.#timer ??= setInterval(pass, this.#d.pollMs);
    this.#timer.unref();
    pass();
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

  /**
   * An admin changed what delivery depends on (the mail settings, the account, the recipients): alerts waiting for
   * their next retry are tried now, not up to half an hour later.
   */
  async resume(): Promise<void> {
    await this.#d.outbox.retryNow(this.#d.now());
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
    await this.#expire();
    const settings = d.mailSettings.get();
    const policy = d.policy.get();
    // Alerts wait for an admin (settings, recipients, re-authorization); they are not tried, so they do not fail.
    if (!settings || (await deliveryHold({ settings, recipients: policy.recipients.length, account: () => d.oauth.account() }))) return false;
    const batch = await d.outbox.claim(d.now(), d.leaseMs, d.maxBatch);
    if (!batch) return false;

    const payloads = batch.alerts.map((a) => a.payload);
    const extensionAlerts = payloads.filter(isExtensionAlert);
    const reach = extensionAlerts.length > 0 && d.inventory ? await d.inventory.reach(extensionAlerts) : undefined;
    const ids = new Map<OutboxPayload, number>(batch.alerts.map((a) => [a.payload, a.id]));
    const consoleUrl = d.consoleUrl;
    const mail = alertMail(payloads, policy.language, {
      ...(reach ? { reach } : {}),
      ...(consoleUrl ? { link: (alert) => consoleLink(consoleUrl, alert.device.id, ids.get(alert)!) } : {}),
    });
    d.logger.debug({ batch: batch.batchId, devices: batch.alerts.length }, 'sending alert mail');
    try {
      await d.sender.sendPooled({
        from: { name: settings.senderName, address: settings.senderAddress },
        to: policy.recipients,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: messageIdFor('alert', batch.batchId, settings.senderAddress),
      });
    } catch (err) {
      const failure: Failure = err instanceof DeliveryError ? err.failure : { code: 'SMTP_FAILED', detail: String(err) };
      const reason = `${failure.code}${failure.serverResponse ? `: ${failure.serverResponse}` : failure.detail ? `: ${failure.detail}` : ''}`;
      const attempts = Math.max(...batch.alerts.map((a) => a.attempts)) + 1;
      const next = afterFailure(failure, { size: batch.alerts.length, attempts }, d.now(), d.random);
      switch (next.kind) {
        case 'split':
          await d.outbox.split(batch.batchId, d.now());
          d.logger.warn({ batch: batch.batchId, devices: batch.alerts.length }, 'alert mail too large for the server: split in two');
          return true;
        case 'wait':
          await d.outbox.release(batch.batchId);
          d.logger.warn({ batch: batch.batchId, code: failure.code }, 'alert mail waits');
          return false;
        case 'retry':
          await d.outbox.retryLater(batch.batchId, reason, next.at);
          d.metrics?.alertsRetried.inc(batch.alerts.length);
          d.logger.warn({ batch: batch.batchId, code: failure.code, attempts, retryAt: new Date(next.at).toISOString() }, 'alert mail will be retried');
          break;
        case 'fail':
          await d.outbox.failed(batch.batchId, reason);
          d.metrics?.alertsFailed.inc(batch.alerts.length);
          d.logger.error({ batch: batch.batchId, code: failure.code, attempts }, 'alert mail failed');
          break;
      }
      return true;
    }
    // Outside the try: the mail went out, so a store that fails to record it (the database gone) is no delivery
    // failure. The batch keeps its lease, and goes again under the same Message-ID once the lease runs out.
    const sentAt = d.now();
    await d.outbox.sent(batch.batchId, sentAt);
    d.metrics?.alertsSent.inc(batch.alerts.length);
    for (const a of batch.alerts) d.metrics?.deliveryLatency.observe((sentAt - a.payload.reportedAt) / 1000);
    d.logger.info({ batch: batch.batchId, devices: batch.alerts.length }, 'alert mail sent');
    return true;
  }

  /** Alerts past the queue lifetime fail, with the error that kept them, for an admin to send again. */
  async #expire(): Promise<void> {
    const d = this.#d;
    const now = d.now();
    if (now - this.#expiredAt < EXPIRE_EVERY_MS) return;
    this.#expiredAt = now;
    const expired = await d.outbox.expire(now - d.times.queueLifetimeMs, lifetimeText(d.times.queueLifetimeMs));
    if (expired === 0) return;
    d.metrics?.alertsFailed.inc(expired);
    d.logger.error({ alerts: expired, queueLifetime: lifetimeText(d.times.queueLifetimeMs) }, 'alerts not delivered within the queue lifetime failed');
  }
}

function lifetimeText(ms: number): string {
  const [n, unit] = ms % 86_400_000 === 0 ? [ms / 86_400_000, 'day'] : ms % 3_600_000 === 0 ? [ms / 3_600_000, 'hour'] : [Math.round(ms / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
