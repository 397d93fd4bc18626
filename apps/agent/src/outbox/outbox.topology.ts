import type { ChannelModel } from 'amqplib';

/** The local outbox: durable quorum queue, with a dead-letter queue for frames the relay refuses as malformed. */
export const OUTBOX_QUEUE = 'agent.outbox';
export const OUTBOX_DLX = 'agent.outbox.dlx';
export const OUTBOX_DLQ = 'agent.outbox.dlq';

export const OUTBOX_QUEUE_ARGS = { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': OUTBOX_DLX } as const;

/** Declares the queues and exchange (idempotent). Runs on every (re)connect, before anyone publishes or consumes. */
export async function assertOutboxTopology(model: ChannelModel): Promise<void> {
  const ch = await model.createChannel();
  try {
    await ch.assertExchange(OUTBOX_DLX, 'fanout', { durable: true });
    await ch.assertQueue(OUTBOX_DLQ, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(OUTBOX_DLQ, OUTBOX_DLX, '');
    await ch.assertQueue(OUTBOX_QUEUE, { durable: true, arguments: OUTBOX_QUEUE_ARGS });
  } finally {
    await ch.close().catch(() => undefined); // a failed declaration already closed it
  }
}
