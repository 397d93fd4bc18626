import type { Channel, ConsumeMessage } from 'amqplib';
import {
  correlationFields,
  isRecord,
  isText,
  type AgentCommandV1,
  type LevelsFrameV1,
  type RelayReplyV1,
} from '@stockbridge/shared';
import type { Logger } from '../logging/logger';
import { OUTBOX_DLQ, OUTBOX_QUEUE } from '../outbox/outbox.topology';
import type { RabbitConnection } from '../outbox/rabbit-connection';
import type { UplinkClient } from './uplink.client';

export interface OutboxPumpOptions {
  /** Frames in flight (AMQP prefetch): the relay acks each one after its commit. */
  window: number;
  logger: Logger;
  /** After a `reject` with retry=true, the frame goes back to the queue after this long. */
  retryDelayMs?: number;
  /** A frame with no reply after this long goes back to the queue and is sent again. */
  replyTimeoutMs?: number;
  onCommand?: (command: AgentCommandV1) => void;
  /** `newestObservedAt`: when the newest level of the frame was read from Odoo (ms epoch), for the lag. */
  onAcked?: (frame: { frameId: string; events: number; newestObservedAt: number | null }) => void;
  onRejected?: (frame: { frameId: string; reason: string; retry: boolean }) => void;
}

interface InFlight {
  msg: ConsumeMessage;
  ch: Channel;
  events: number;
  newestObservedAt: number | null;
  timer: NodeJS.Timeout;
}

/**
 * Streams the outbox to the relay while both the uplink and RabbitMQ are up (STYLE 4.6). A frame is acked in
 * AMQP only after the relay acked it (after its commit); closing the channel when the socket drops requeues
 * every unacked frame, so a drop at any moment loses nothing (at worst a frame is sent twice, which the
 * relay's version guard makes harmless).
 */
export class OutboxPump {
  private readonly inFlight = new Map<string, InFlight>(); // frameId -> delivery
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private ch: Channel | null = null;
  private consumerTag: string | null = null;
  private opening = false;
  private stopped = true;
  private reopenTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly rabbit: RabbitConnection,
    private readonly uplink: UplinkClient,
    private readonly options: OutboxPumpOptions,
  ) {
    this.log = options.logger.child({ component: 'pump' });
  }

  get framesInFlight(): number {
    return this.inFlight.size;
  }

  get consuming(): boolean {
    return this.ch !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const onUp = (): void => void this.open();
    const onUplinkClose = (): void => void this.closeChannel('the uplink closed');
    const onRabbitDown = (): void => this.forgetChannel();
    const onReply = (reply: RelayReplyV1): void => this.onReply(reply);
    this.uplink.on('open', onUp).on('close', onUplinkClose).on('reply', onReply);
    this.rabbit.on('up', onUp).on('down', onRabbitDown);
    this.listeners.push(
      () => this.uplink.off('open', onUp).off('close', onUplinkClose).off('reply', onReply),
      () => this.rabbit.off('up', onUp).off('down', onRabbitDown),
    );
    void this.open();
  }

  /** Stops taking new frames, waits up to `settleMs` for the relay to ack those in flight, then closes. */
  async stop(settleMs = 2_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reopenTimer);
    const ch = this.ch;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    const deadline = Date.now() + settleMs;
    while (this.inFlight.size > 0 && Date.now() < deadline && this.uplink.isOpen)
      await new Promise((r) => setTimeout(r, 25));
    for (const off of this.listeners.splice(0)) off();
    await this.closeChannel('the agent is stopping');
  }

  private async open(): Promise<void> {
    const model = this.rabbit.current;
    if (this.stopped || this.ch || this.opening || !model || !this.uplink.isOpen) return;
    this.opening = true;
    let ch: Channel | undefined;
    try {
      ch = await model.createChannel();
      const channel = ch;
      channel.on('error', (err: Error) => this.log.warn(`outbox consumer channel failed: ${err.message}`));
      channel.on('close', () => this.onChannelClosed(channel));
      await channel.prefetch(this.options.window);
      this.ch = channel;
      const { consumerTag } = await channel.consume(OUTBOX_QUEUE, (msg) => this.onDelivery(channel, msg), {
        noAck: false,
      });
      this.consumerTag = consumerTag;
      this.log.info(`streaming ${OUTBOX_QUEUE} to the relay, up to ${this.options.window} frames in flight`);
    } catch (err) {
      this.log.warn(
        `could not start consuming ${OUTBOX_QUEUE}: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (ch) await ch.close().catch(() => undefined);
      this.scheduleReopen();
    } finally {
      this.opening = false;
    }
    // The socket may have dropped while the channel was opening: then give the frames back at once.
    if (this.ch && !this.uplink.isOpen) await this.closeChannel('the uplink closed');
  }

  private onDelivery(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.log.warn(`RabbitMQ cancelled the ${OUTBOX_QUEUE} consumer (queue deleted?); restarting it`);
      void this.closeChannel('consumer cancelled').then(() => this.scheduleReopen());
      return;
    }
    const frame = parseStoredFrame(msg.content);
    if (!frame) {
      // Only a foreign publisher could put this here; keep it for inspection instead of looping on it.
      this.log.error(`a message in ${OUTBOX_QUEUE} is not a levels frame; moved to ${OUTBOX_DLQ}`);
      safely(() => ch.nack(msg, false, false));
      return;
    }
    if (this.inFlight.has(frame.frameId)) {
      this.log.warn(`frame ${frame.frameId} is already in flight; sending the copy later`);
      this.later(() => safely(() => ch.nack(msg, false, true)), ch);
      return;
    }
    // If the socket closed meanwhile, the channel is being closed too and this delivery is requeued.
    if (!this.uplink.send({ event: 'levels', data: frame })) return;
    const timer = setTimeout(() => {
      const entry = this.inFlight.get(frame.frameId);
      if (entry?.msg !== msg) return;
      this.inFlight.delete(frame.frameId);
      this.log.warn(
        `no reply from the relay for frame ${frame.frameId} within ${this.replyTimeoutMs} ms; sending it again`,
      );
      safely(() => ch.nack(msg, false, true));
    }, this.replyTimeoutMs);
    this.inFlight.set(frame.frameId, {
      msg,
      ch,
      events: frame.events.length,
      newestObservedAt: newestObservedAt(frame),
      timer,
    });
    // One line per frame (a batch): its correlation id ties it to the poll that read it and the relay's lines.
    this.log.info(
      { frameId: frame.frameId, events: frame.events.length, ...correlationFields(frame.events) },
      `sent frame ${frame.frameId} (${frame.events.length} level${frame.events.length === 1 ? '' : 's'})`,
    );
  }

  private get replyTimeoutMs(): number {
    return this.options.replyTimeoutMs ?? 60_000;
  }

  private onReply(reply: RelayReplyV1): void {
    switch (reply.event) {
      case 'command':
        this.log.info(`relay command ${reply.data.name} (${reply.data.commandId})`);
        this.options.onCommand?.(reply.data);
        return;
      case 'ack': {
        const entry = this.take(reply.data.frameId);
        if (!entry) {
          // A frame from a previous socket: it was requeued and will be sent (and acked) again.
          this.log.debug(`ack for frame ${reply.data.frameId}, which is not in flight`);
          return;
        }
        safely(() => entry.ch.ack(entry.msg));
        this.log.debug({ frameId: reply.data.frameId }, `the relay acked frame ${reply.data.frameId}`);
        this.options.onAcked?.({
          frameId: reply.data.frameId,
          events: entry.events,
          newestObservedAt: entry.newestObservedAt,
        });
        return;
      }
      case 'reject': {
        const { frameId, reason, retry } = reply.data;
        const entry = frameId === undefined ? undefined : this.take(frameId);
        if (!entry) {
          this.log.warn(
            `the relay rejected ${frameId ? `frame ${frameId}, which is not in flight` : 'a message'}: ${reason}`,
          );
          return;
        }
        this.options.onRejected?.({ frameId: frameId ?? '', reason, retry });
        if (!retry) {
          this.log.error(
            `the relay rejected frame ${frameId} as malformed (${reason}); moved to ${OUTBOX_DLQ}`,
          );
          safely(() => entry.ch.nack(entry.msg, false, false));
        } else {
          const delay = this.options.retryDelayMs ?? 5_000;
          this.log.warn(
            `the relay could not take frame ${frameId} (${reason}); sending it again in ${delay} ms`,
          );
          this.later(() => safely(() => entry.ch.nack(entry.msg, false, true)), entry.ch, delay);
        }
        return;
      }
    }
  }

  private take(frameId: string): InFlight | undefined {
    const entry = this.inFlight.get(frameId);
    if (!entry) return undefined;
    this.inFlight.delete(frameId);
    clearTimeout(entry.timer);
    // A reply that arrives after the channel was replaced refers to a delivery already requeued.
    return entry.ch === this.ch ? entry : undefined;
  }

  /** Runs `fn` after `delayMs` if `ch` is still the live channel (else its close already requeued the frame). */
  private later(fn: () => void, ch: Channel, delayMs = this.options.retryDelayMs ?? 5_000): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.ch === ch) fn();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private clearInFlight(): void {
    for (const entry of this.inFlight.values()) clearTimeout(entry.timer);
    this.inFlight.clear();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** Closing the channel hands every unacked frame back to the queue: nothing is lost. */
  private async closeChannel(why: string): Promise<void> {
    const ch = this.ch;
    const requeued = this.inFlight.size;
    this.forgetChannel();
    if (!ch) return;
    if (requeued > 0) this.log.info(`${why}: ${requeued} unacked frame(s) go back to ${OUTBOX_QUEUE}`);
    await ch.close().catch(() => undefined);
  }

  private forgetChannel(): void {
    this.ch = null;
    this.consumerTag = null;
    this.clearInFlight();
  }

  private onChannelClosed(ch: Channel): void {
    if (this.ch !== ch) return; // closed by us
    this.log.warn(`the ${OUTBOX_QUEUE} consumer channel closed; reopening`);
    this.forgetChannel();
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.stopped) return;
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => void this.open(), 1_000);
  }
}

/** The outbox holds frames the publisher wrote; still, parse them: the queue is shared state on disk. */
function parseStoredFrame(content: Buffer): LevelsFrameV1 | null {
  try {
    const raw: unknown = JSON.parse(content.toString('utf8'));
    if (!isRecord(raw) || !isText(raw['frameId'], 64) || !Array.isArray(raw['events'])) return null;
    return raw as unknown as LevelsFrameV1;
  } catch {
    return null;
  }
}

function newestObservedAt(frame: LevelsFrameV1): number | null {
  let newest: number | null = null;
  for (const e of frame.events as unknown[]) {
    const at = isRecord(e) && typeof e['observedAt'] === 'string' ? Date.parse(e['observedAt']) : NaN;
    if (Number.isFinite(at) && (newest === null || at > newest)) newest = at;
  }
  return newest;
}

/** ack/nack on a channel that closed meanwhile throws; the close already requeued the message. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* the channel is gone: its unacked messages are back in the queue */
  }
}
