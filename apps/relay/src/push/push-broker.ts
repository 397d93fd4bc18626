import { Logger } from '@nestjs/common';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { DeadLetterMessageV1 } from './push.repository';
import { DELAY_TIERS, type DelayTier } from './retry-policy';

/**
 * amqplib directly, not Nest's RMQ transport: that transport serves one fixed queue per server, auto-acks unless
 * told otherwise and routes on a `pattern` field. Push needs a quorum queue PER CHANNEL ACCOUNT with
 * x-single-active-consumer, declared at runtime as channels are created, and manual acks after the push is
 * recorded.
 *
 * Topology (all durable):
 *   exchange `push` (direct) ──routing key = channelId──▶ queue `push.<channelId>` (quorum, single active consumer)
 *   exchange `push.delay.<tier>` (fanout) ▶ queue `push.delay.<tier>` (quorum, fixed x-message-ttl,
 *       dead-lettering to `push` with the message's own routing key = channelId: back to the channel's queue)
 *   queue `push.dlq` (quorum, capped): one message per dead letter, for alerting; the dead_letters table is the record
 * A message is only a nudge `{channelId}`: the worker reads the desired state from PostgreSQL when it runs.
 */
export const PUSH_EXCHANGE = 'push';
export const PUSH_DLQ = 'push.dlq';
export const pushQueueOf = (channelId: string): string => `push.${channelId}`;
export const delayQueueOf = (tier: DelayTier): string => `push.delay.${tier.name}`;
const DLQ_MAX_LENGTH = 100_000;

export interface NudgeV1 {
  channelId: string;
  reason: 'change' | 'retry' | 'sweep' | 'follow-up';
}

export interface PushBrokerHooks {
  /** A nudge for this channel arrived on its queue; settle it with ack() or leave it for redelivery. */
  onNudge(broker: PushBroker, channelId: string, delivery: ConsumeMessage): void;
  /** The broker cancelled our consumer (its queue was deleted). */
  onCancelled(channelId: string): void;
  /** The connection or one of its channels died: every unacked delivery is back in its queue. */
  onLost(err: Error | undefined): void;
}

/** One AMQP connection with its three channels; after a loss the owner opens a new PushBroker. */
export class PushBroker {
  private readonly logger = new Logger(PushBroker.name);
  private readonly consumers = new Map<string, string>(); // channelId -> consumerTag
  private readonly declared = new Map<string, Promise<void>>(); // channelId -> its queue is declared and bound
  private closing = false;
  private lost = false;

  private constructor(
    private readonly conn: ChannelModel,
    private readonly topo: Channel, // declarations: a refused one closes only this channel's work
    private readonly pub: ConfirmChannel,
    private readonly sub: Channel,
    private readonly hooks: PushBrokerHooks,
  ) {}

  static async open(url: string, hooks: PushBrokerHooks, prefetch: number): Promise<PushBroker> {
    const conn = await connect(url, { clientProperties: { connection_name: 'stockbridge-relay-push' } });
    try {
      const [topo, pub, sub] = [
        await conn.createChannel(),
        await conn.createConfirmChannel(),
        await conn.createChannel(),
      ];
      await sub.prefetch(prefetch); // per consumer: nudges of one channel that may wait in memory
      const broker = new PushBroker(conn, topo, pub, sub, hooks);
      broker.watch();
      await broker.declareFixedTopology();
      return broker;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  get alive(): boolean {
    return !this.closing && !this.lost;
  }

  private watch(): void {
    const died = (what: string) => (err?: Error) => {
      if (this.closing || this.lost) return;
      this.lost = true;
      this.logger.warn(`RabbitMQ ${what} closed${err ? `: ${err.message}` : ''}; nudges will be redelivered`);
      this.conn.close().catch(() => undefined);
      this.hooks.onLost(err);
    };
    this.conn.on('error', (err: Error) => this.logger.warn(`RabbitMQ connection error: ${err.message}`));
    this.conn.on('close', died('connection'));
    for (const [name, ch] of [
      ['declaration channel', this.topo],
      ['publish channel', this.pub],
      ['consume channel', this.sub],
    ] as const) {
      ch.on('error', (err: Error) => this.logger.warn(`RabbitMQ ${name} error: ${err.message}`));
      ch.on('close', () => died(name)());
    }
    this.pub.on('return', (msg: ConsumeMessage) =>
      this.logger.warn(`nudge for ${msg.fields.routingKey} was unroutable (its queue is gone)`),
    );
  }

  private async declareFixedTopology(): Promise<void> {
    await this.topo.assertExchange(PUSH_EXCHANGE, 'direct', { durable: true });
    for (const tier of DELAY_TIERS) {
      const name = delayQueueOf(tier);
      await this.topo.assertExchange(name, 'fanout', { durable: true });
      await this.topo.assertQueue(name, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': tier.ms,
          'x-dead-letter-exchange': PUSH_EXCHANGE,
        },
      });
      await this.topo.bindQueue(name, name, '');
    }
    await this.topo.assertQueue(PUSH_DLQ, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-max-length': DLQ_MAX_LENGTH, 'x-overflow': 'drop-head' },
    });
  }

  /** Declares and binds the channel's work queue once per connection (idempotent on the broker). */
  ensureChannelQueue(channelId: string): Promise<void> {
    let declared = this.declared.get(channelId);
    if (!declared) {
      const queue = pushQueueOf(channelId);
      declared = (async () => {
        await this.topo.assertQueue(queue, {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true },
        });
        await this.topo.bindQueue(queue, PUSH_EXCHANGE, channelId);
      })();
      declared.catch(() => this.declared.delete(channelId));
      this.declared.set(channelId, declared);
    }
    return declared;
  }

  /** Joins the channel's queue; the broker makes one consumer (of any relay instance) active at a time. */
  async consume(channelId: string): Promise<void> {
    if (this.consumers.has(channelId)) return;
    await this.ensureChannelQueue(channelId);
    const { consumerTag } = await this.sub.consume(
      pushQueueOf(channelId),
      (msg) => {
        if (msg !== null) return this.hooks.onNudge(this, channelId, msg);
        this.consumers.delete(channelId); // the queue was deleted (channel removed elsewhere)
        this.declared.delete(channelId);
        this.hooks.onCancelled(channelId);
      },
      { noAck: false },
    );
    this.consumers.set(channelId, consumerTag);
  }

  isConsuming(channelId: string): boolean {
    return this.consumers.has(channelId);
  }

  /** Stops consuming one channel (unacked nudges go back to the queue when acked or on close). */
  async cancel(channelId: string): Promise<void> {
    const tag = this.consumers.get(channelId);
    if (tag === undefined) return;
    this.consumers.delete(channelId);
    await this.sub.cancel(tag);
  }

  /** The channel was deleted: its queue goes too (quorum queues are not free). */
  async deleteChannelQueue(channelId: string): Promise<void> {
    await this.cancel(channelId);
    this.declared.delete(channelId);
    await this.topo.deleteQueue(pushQueueOf(channelId));
  }

  ack(delivery: ConsumeMessage): void {
    if (this.alive) this.sub.ack(delivery); // after a loss the broker has already requeued it
  }

  /** Gives a nudge back to its queue (e.g. the push could not be recorded): redelivered, nothing lost. */
  requeue(delivery: ConsumeMessage): void {
    if (this.alive) this.sub.nack(delivery, false, true);
  }

  async publishNudge(nudge: NudgeV1, messageId?: string): Promise<void> {
    await this.ensureChannelQueue(nudge.channelId);
    await this.publish(PUSH_EXCHANGE, nudge.channelId, nudge, messageId);
  }

  /** The nudge comes back to the channel's queue after the tier's fixed delay; nothing waits in memory. */
  async publishDelayed(nudge: NudgeV1, tier: DelayTier): Promise<void> {
    await this.ensureChannelQueue(nudge.channelId);
    await this.publish(delayQueueOf(tier), nudge.channelId, nudge);
  }

  async publishDeadLetter(letter: DeadLetterMessageV1): Promise<void> {
    await this.publish('', PUSH_DLQ, letter);
  }

  /** Resolves once the broker confirmed it (persistent, in a quorum queue). */
  private publish(
    exchange: string,
    routingKey: string,
    body: NudgeV1 | DeadLetterMessageV1,
    messageId?: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pub.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify(body)),
        {
          persistent: true,
          contentType: 'application/json',
          mandatory: exchange === PUSH_EXCHANGE,
          messageId,
        },
        (err: unknown) =>
          err
            ? reject(err instanceof Error ? err : new Error('publish not confirmed by RabbitMQ'))
            : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.conn.close().catch(() => undefined);
  }
}
