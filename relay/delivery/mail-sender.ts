import type { Transporter } from 'nodemailer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { SMTPSentMessageInfo } from 'nodemailer/lib/smtp-transport';
import { authenticates, mayAuthenticate, type MailSettings } from '../../shared/mail-settings';
import { sendingLimits } from '../../shared/presets';
import { sendingMailbox } from '../domain/oauth-account';
import { classifySmtpError, type SmtpErrorLike } from '../domain/smtp-errors';
import { DEFAULT_SMTP_TIMEOUTS, smtpOptions, type SmtpTimeouts } from './smtp-options';
import type { DeliveryLog, MailSettingsStore } from '../storage/settings';
import type { SendSlot, SharedSendLimits } from '../storage/stores';
import type { SentInfo } from './api-sender';
import { DeliveryError } from './errors';
import type { TokenManager } from './token-manager';
import { xoauth2Options } from './xoauth2';

/** Where mail goes for one revision of the settings: SMTP through nodemailer, or a provider's HTTPS API. */
interface Channel {
  send(message: SendMailOptions): Promise<SentInfo>;
  close(): void;
}

/** The pooled channel for one revision of the settings, and the pace the provider's rate limit asks for. */
interface Pool {
  key: number;
  settings: MailSettings;
  channel: Channel;
  pace: Pace | null;
}

/** This relay's connection to a mailbox whose limits it holds with other relays. */
interface HeldConnection {
  key: number;
  settings: MailSettings;
  mailbox: string;
  channel: Channel;
  slot: SendSlot;
  renewedAt: number;
  busy: number;
  idle: NodeJS.Timeout | null;
}

/** A held connection idle this long is closed and its slot given back, for another relay to use. */
const SHARED_IDLE_MS = 5_000;
/** Renewed at the first send after this much of the slot's lease (two minutes) has passed. */
const SHARED_RENEW_MS = 30_000;

export interface MailSenderDeps {
  mailSettings: MailSettingsStore;
  tokens: TokenManager;
  deliveryLog: DeliveryLog;
  timeouts?: SmtpTimeouts;
  now?: () => number;
  /** The length of the provider's minute (tests scale it down). */
  minuteMs?: number;
  /** Limits shared with other relays; absent, this relay alone holds them (SQLite: one relay). */
  shared?: SharedSendLimits;
}

/**
 * Sends with the saved settings, over SMTP (by password or XOAUTH2 with the relay's managed token) or through Microsoft
 * Graph or the Gmail API: the test mail on a channel of its own, alerts over a pool that respects the provider's
 * connection and rate limits. Every transport sends the same message; only the last step differs.
 */
export class MailSender {
  readonly #deps: MailSenderDeps;
  #pool: Pool | null = null;
  #held: HeldConnection | null = null;
  #holding: Promise<HeldConnection> | null = null;

  constructor(deps: MailSenderDeps) {
    this.#deps = deps;
  }

  /**
   * When an "unreachable" answer may be given at the earliest: once the slowest way to fail could have happened (the
   * connection's time, then the greeting's), so that its timing does not tell a closed port from a silent one.
   */
  unreachableAnswerMs(): number {
    const timeouts = this.#deps.timeouts ?? DEFAULT_SMTP_TIMEOUTS;
    return timeouts.connectionMs + timeouts.greetingMs;
  }

  settings(): MailSettings {
    const settings = this.#deps.mailSettings.get();
    if (!settings) throw new DeliveryError({ code: 'MAIL_NOT_CONFIGURED' });
    if (authenticates(settings) && !mayAuthenticate(settings)) throw new DeliveryError({ code: 'SMTP_INSECURE_AUTH_REFUSED' });
    return settings;
  }

  /** On a new connection, so that it proves the settings exactly as saved. */
  send(message: SendMailOptions): Promise<SentInfo> {
    const settings = this.settings();
    return this.#logged(settings, async () => {
      // No account, or one that needs re-authorization, is said before any connection is made.
      if (settings.authType === 'oauth') await this.#deps.tokens.accessToken();
      const channel = await this.#channel(settings, false);
      return channel.send(automatic(message)).finally(() => channel.close());
    });
  }

  /** Over the shared pool: at most the provider's connections per mailbox, at most its messages per minute. */
  sendPooled(message: SendMailOptions): Promise<SentInfo> {
    if (this.#deps.shared) return this.#sendShared(this.#deps.shared, message);
    const key = this.#deps.mailSettings.revision();
    // The pool already holds the settings it was made with; only a new revision needs them (and the secrets) again.
    const settings = this.#pool?.key === key ? this.#pool.settings : this.settings();
    return this.#logged(settings, async () => {
      const pool = this.#pool?.key === key ? this.#pool : await this.#newPool(settings, key);
      await pool.pace?.turn();
      return pool.channel.send(automatic(message));
    });
  }

  /**
   * Across relays: one connection per relay, held with one of the mailbox's slots while it is open, renewed as it is
   * used and given back once it has idled; each mail waits for its turn in the mailbox's pace.
   */
  #sendShared(shared: SharedSendLimits, message: SendMailOptions): Promise<SentInfo> {
    const key = this.#deps.mailSettings.revision();
    const settings = this.#held?.key === key ? this.#held.settings : this.settings();
    return this.#logged(settings, async () => {
      const held = await this.#holdConnection(shared, settings, key);
      held.busy++;
      try {
        const { messagesPerMinute } = sendingLimits(settings);
        if (messagesPerMinute) await shared.turn(held.mailbox, paceIntervalMs(messagesPerMinute, this.#deps.minuteMs ?? 60_000));
        return await held.channel.send(automatic(message));
      } finally {
        held.busy--;
        if (held.busy === 0) {
          held.idle = setTimeout(() => void this.#letGo(held), SHARED_IDLE_MS);
          held.idle.unref();
        }
      }
    });
  }

  /** One at a time: two sends finding no connection must not take two slots. */
  #holdConnection(shared: SharedSendLimits, settings: MailSettings, key: number): Promise<HeldConnection> {
    const next = (this.#holding ?? Promise.resolve()).catch(() => undefined).then(() => this.#hold(shared, settings, key));
    this.#holding = next;
    return next;
  }

  async #hold(shared: SharedSendLimits, settings: MailSettings, key: number): Promise<HeldConnection> {
    const now = this.#deps.now ?? Date.now;
    const held = this.#held;
    // In use again: not let go while its slot is renewed.
    if (held?.idle) clearTimeout(held.idle);
    if (held?.key === key) {
      if (now() - held.renewedAt < SHARED_RENEW_MS) return held;
      if (await held.slot.renew()) {
        held.renewedAt = now();
        return held;
      }
    }
    if (held) await this.#letGo(held);
    const mailbox = `${settings.transport}:${settings.host}:${sendingMailbox(settings)}`;
    const slot = await shared.slot(mailbox, sendingLimits(settings).maxConnections);
    const channel = await this.#channel(settings, true, 1).catch(async (err: unknown) => {
      await slot.release();
      throw err;
    });
    this.#held = { key, settings, mailbox, channel, slot, renewedAt: now(), busy: 0, idle: null };
    return this.#held;
  }

  async #letGo(held: HeldConnection): Promise<void> {
    if (held.idle) clearTimeout(held.idle);
    if (this.#held === held) this.#held = null;
    held.channel.close();
    await held.slot.release().catch(() => undefined); // its lease runs out anyway
  }

  close(): void {
    this.#pool?.channel.close();
    this.#pool = null;
    if (this.#held) void this.#letGo(this.#held);
  }

  async #channel(settings: MailSettings, pooled: boolean, maxConnections = sendingLimits(settings).maxConnections): Promise<Channel> {
    if (settings.transport !== 'smtp') {
      const { ApiSender } = await import('./api-sender');
      const timeouts = this.#deps.timeouts ?? DEFAULT_SMTP_TIMEOUTS;
      return new ApiSender({
        settings,
        secrets: this.#deps.mailSettings.secrets(),
        tokens: this.#deps.tokens,
        timeouts,
        maxConnections: pooled ? maxConnections : 1,
        now: this.#deps.now,
      });
    }
    const base = smtpOptions(settings, this.#deps.mailSettings.secrets(), this.#deps.timeouts);
    const options = settings.authType === 'oauth' ? { ...base, ...xoauth2Options(this.#deps.tokens, sendingMailbox(settings)) } : base;
    const transport = (await nodemailer()).createTransport(
      // Reconnecting costs a TLS handshake and the greeting; servers that want fewer per connection say so and nodemailer reconnects.
      pooled ? { ...options, pool: true, maxConnections, maxMessages: 1000 } : options,
    ) as Transporter<SMTPSentMessageInfo>;
    return {
      send: async (message) => {
        const info = await sendWithRetry(transport, message, settings);
        return { response: info.response, accepted: info.accepted.map(String) };
      },
      close: () => transport.close(),
    };
  }

  /** Saved settings (or secrets) changed, or none yet: the old pool speaks to the wrong server or with the wrong password. */
  async #newPool(settings: MailSettings, key: number): Promise<Pool> {
    const channel = await this.#channel(settings, true);
    if (this.#pool?.key === key) {
      channel.close(); // another send built it meanwhile
      return this.#pool;
    }
    this.close();
    const { messagesPerMinute } = sendingLimits(settings);
    const pace = messagesPerMinute ? new Pace(paceIntervalMs(messagesPerMinute, this.#deps.minuteMs ?? 60_000)) : null;
    this.#pool = { key, settings, channel, pace };
    return this.#pool;
  }

  async #logged(settings: MailSettings, send: () => Promise<SentInfo>): Promise<SentInfo> {
    const now = this.#deps.now ?? Date.now;
    try {
      const info = await send();
      this.#deps.deliveryLog.delivered(now());
      return info;
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError(classifySmtpError(err as SmtpErrorLike, settings), { cause: err });
      this.#deps.deliveryLog.failed(failure.failure.code, now());
      throw failure;
    }
  }
}

/** A refused XOAUTH2 login gets one retry, with the fresh token the handler's refusal forces; never a loop. */
async function sendWithRetry(transport: Transporter<SMTPSentMessageInfo>, message: SendMailOptions, settings: MailSettings): Promise<SMTPSentMessageInfo> {
  try {
    return await sendOnce(transport, message, settings);
  } catch (err) {
    if (!(err instanceof DeliveryError) || !err.failure.code.startsWith('SMTP_XOAUTH2_')) throw err;
    return sendOnce(transport, message, settings);
  }
}

/**
 * Every mail the relay sends is automatic (RFC 3834 §5), and Exchange is asked to suppress its auto-replies too: an
 * out-of-office reply from each member of an alert distribution list would otherwise flood the sending mailbox.
 */
const AUTOMATIC_MAIL = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' };
const automatic = (message: SendMailOptions): SendMailOptions => ({ headers: AUTOMATIC_MAIL, ...message });

async function sendOnce(transport: Transporter<SMTPSentMessageInfo>, message: SendMailOptions, settings: MailSettings): Promise<SMTPSentMessageInfo> {
  try {
    return await transport.sendMail(message);
  } catch (err) {
    // A token that could not be had (re-authorization required, token URL down) is already explained.
    if (err instanceof DeliveryError) throw err;
    throw new DeliveryError(classifySmtpError(err as SmtpErrorLike, settings), { cause: err });
  }
}

/**
 * One message every 1/Nth of the provider's minute, 5 % slower than its limit, so that no minute of the provider's,
 * wherever it starts, holds more than N; the margin absorbs the server taking longer to accept one message than the
 * next. nodemailer's own rateLimit cannot do this: it is checked only when a connection is released, so sends that
 * open new connections go out at once.
 */
export function paceIntervalMs(perMinute: number, minuteMs: number): number {
  return (minuteMs / perMinute) * 1.05;
}

/** Lets callers start in order, each at least `intervalMs` after the one before. */
class Pace {
  #next = 0;
  constructor(readonly intervalMs: number) {}

  async turn(): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.intervalMs;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/** nodemailer, loaded at the first send: a relay with nothing to send starts without it. */
const nodemailer = () => import('nodemailer').then((m) => m.default);

/** Builds a Message-ID from a stable key, in the sender's domain, so a resend of the same mail is recognisable. */
export function messageIdFor(kind: string, key: string, senderAddress: string): string {
  const domain = senderAddress.slice(senderAddress.lastIndexOf('@') + 1) || 'guardmail.invalid';
  return `<guardmail.${kind}.${key}@${domain}>`;
}
