import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel } from 'amqplib';
import { MAX_EVENTS_PER_FRAME, type LevelEventV1, type LevelsFrameV1 } from '@stockbridge/shared';
import type { Logger } from '../logging/logger';
import { describeAmqpError } from './amqp-errors';
import { OUTBOX_DLQ, OUTBOX_QUEUE } from './outbox.topology';
import type { RabbitConnection } from './rabbit-connection';

/** Thrown by `publish` when the broker is not usable: the caller keeps its cursor and tries again later. */
export class OutboxUnavailableError extends Error {
  override readonly name = 'OutboxUnavailableError';
}

export interface OutboxPublisherOptions {
  logger: Logger;
  /** A publish not confirmed within this long fails (the broker may be blocked); the caller retries. */
  confirmTimeoutMs?: number;
  /** Called after a publish is confirmed: metrics. */
  onPublished?: (events: number, frames: number) => void;
}

export interface OutboxDepths {
  outbox: number; // frames ready to stream (frames in flight to the relay are not counted)
  dlq: number; // frames the relay refused as malformed
}

/** Splits levels into frames of at most MAX_EVENTS_PER_FRAME, each with a fresh frameId. */
export function toFrames(events: LevelEventV1[]): LevelsFrameV1[] {
  const frames: LevelsFrameV1[] = [];
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_FRAME)
    frames.push({ frameId: randomUUID(), events: events.slice(i, i + MAX_EVENTS_PER_FRAME) });
  return frames;
}

/**
 * Writes levels to the local outbox (durable quorum queue) on a confirm channel. `publish` resolves only when
 * RabbitMQ confirmed every frame, so capture advances its Odoo cursor only over levels that are on disk.
 * This is capture's `LevelSink`.
 */
export class OutboxPublisher {
  private channel: ConfirmChannel | null = null;
  private opening: Promise<ConfirmChannel> | null = null;
  private statsChannel: Channel | null = null;
  private readonly returned = new Set<string>(); // frameIds the broker could not route
  private readonly log: Logger;
  private lastDepths: OutboxDepths = { outbox: 0, dlq: 0 };

  constructor(
    private readonly rabbit: RabbitConnection,
    private readonly options: OutboxPublisherOptions,
  ) {
    this.log = options.logger.child({ component: 'outbox' });
    rabbit.on('down', () => {
      this.channel = null;
      this.statsChannel = null;
    });
  }

  async publish(events: LevelEventV1[]): Promise<void> {
    if (events.length === 0) return;
    const frames = toFrames(events);
    const ch = await this.confirmChannel();
    await Promise.all(frames.map((frame) => this.publishFrame(ch, frame)));
    this.options.onPublished?.(events.length, frames.length);
  }

  /** Frames waiting in the outbox and in its DLQ; the last known values while the broker is down. */
  async depths(): Promise<OutboxDepths> {
    const model = this.rabbit.current;
    if (!model) return this.lastDepths;
    try {
      if (!this.statsChannel) {
        const ch = await model.createChannel();
        ch.on('error', () => undefined); // a failed check closes it; the next call opens a new one
        ch.on('close', () => {
          if (this.statsChannel === ch) this.statsChannel = null;
        });
        this.statsChannel = ch;
      }
      const [outbox, dlq] = await Promise.all([
        this.statsChannel.checkQueue(OUTBOX_QUEUE),
        this.statsChannel.checkQueue(OUTBOX_DLQ),
      ]);
      this.lastDepths = { outbox: outbox.messageCount, dlq: dlq.messageCount };
    } catch (err) {
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'outbox depth not read');
    }
    return this.lastDepths;
  }

  /** The depths read last (by `depths()`), without asking the broker. */
  get lastKnownDepths(): OutboxDepths {
    return this.lastDepths;
  }

  async depth(): Promise<number> {
    return (await this.depths()).outbox;
  }

  private unavailable(): OutboxUnavailableError {
    return new OutboxUnavailableError(
      `the outbox cannot take levels now: ${this.rabbit.problem ?? 'RabbitMQ is not connected'}`,
    );
  }

  private async confirmChannel(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const model = this.rabbit.current;
    if (!model) throw this.unavailable();
    this.opening ??= (async () => {
      try {
        const ch = await model.createConfirmChannel();
        ch.on('error', (err: Error) => this.log.warn(`outbox channel failed: ${err.message}`));
        ch.on('close', () => {
          if (this.channel === ch) this.channel = null;
        });
        ch.on('return', (msg: { properties: { messageId?: unknown } }) => {
          if (typeof msg.properties.messageId === 'string') this.returned.add(msg.properties.messageId);
        });
        this.channel = ch;
        return ch;
      } finally {
        this.opening = null;
      }
    })();
    try {
      return await this.opening;
    } catch (err) {
      throw new OutboxUnavailableError(
        `the outbox cannot take levels now: ${describeAmqpError(this.rabbit.url, err)}`,
      );
    }
  }

  private publishFrame(ch: ConfirmChannel, frame: LevelsFrameV1): Promise<void> {
    const timeoutMs = this.options.confirmTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.returned.delete(frame.frameId);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          settle(
            new OutboxUnavailableError(
              `RabbitMQ did not confirm outbox frame ${frame.frameId} within ${timeoutMs} ms (is it blocked by a memory or disk alarm?)`,
            ),
          ),
        timeoutMs,
      );
      try {
        ch.sendToQueue(
          OUTBOX_QUEUE,
          Buffer.from(JSON.stringify(frame), 'utf8'),
          {
            persistent: true,
            mandatory: true, // an unroutable frame comes back instead of vanishing
            contentType: 'application/json',
            messageId: frame.frameId,
            type: 'levels.v1',
            timestamp: Math.floor(Date.now() / 1000),
          },
          (err: unknown) => {
            if (err) settle(this.unavailableBecause(err));
            else if (this.returned.has(frame.frameId))
              settle(
                new OutboxUnavailableError(
                  `RabbitMQ could not route frame ${frame.frameId} to ${OUTBOX_QUEUE}`,
                ),
              );
            else settle(null);
          },
        );
      } catch (err) {
        settle(this.unavailableBecause(err)); // the channel closed under us
      }
    });
  }

  private unavailableBecause(err: unknown): OutboxUnavailableError {
    if (!this.rabbit.connected) return this.unavailable();
    const why = err instanceof Error ? err.message : 'nacked';
    return new OutboxUnavailableError(
      `RabbitMQ refused an outbox frame (${why}): the levels will be read again`,
    );
  }
}
