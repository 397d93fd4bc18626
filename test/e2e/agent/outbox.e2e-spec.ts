import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect, type ChannelModel } from 'amqplib';
import { MAX_EVENTS_PER_FRAME, parseLevelsFrame } from '@stockbridge/shared';
import { OUTBOX_DLQ, OUTBOX_QUEUE } from '../../../apps/agent/src/outbox/outbox.topology';
import { OutboxPublisher, OutboxUnavailableError } from '../../../apps/agent/src/outbox/outbox.publisher';
import { RabbitConnection } from '../../../apps/agent/src/outbox/rabbit-connection';
import { AgentVhost } from '../../support/agent-vhost';
import { levelEvent as level } from '../../support/level-events';
import { logged, memoryLogger } from '../../support/memory-logger';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';
import { waitFor } from '../../support/wait-for';

const FAST = { baseMs: 20, maxMs: 200 };

describe('agent outbox on the real RabbitMQ', () => {
  let vhost: AgentVhost;
  let proxy: TcpProxy;

  beforeAll(async () => {
    vhost = AgentVhost.create('outbox');
    const broker = new URL(vhost.url);
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
  });

  afterAll(async () => {
    await proxy?.close();
    vhost?.delete();
  });

  /** A connection of the test's own, straight to the broker, for looking inside the queues. */
  async function withAdmin<T>(fn: (admin: ChannelModel) => Promise<T>): Promise<T> {
    const admin = await connect(vhost.url);
    try {
      return await fn(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  const purge = (): Promise<void> =>
    withAdmin(async (admin) => {
      const ch = await admin.createChannel();
      await ch.purgeQueue(OUTBOX_QUEUE);
    });

  function agentSide(url = vhost.urlVia(proxy.port)) {
    const { logger, lines } = memoryLogger();
    const rabbit = new RabbitConnection({ url, logger, backoff: FAST, connectTimeoutMs: 2_000 });
    const published: number[] = [];
    const publisher = new OutboxPublisher(rabbit, {
      logger,
      onPublished: (events) => published.push(events),
    });
    return { rabbit, publisher, lines, published };
  }

  it('declares a durable quorum outbox with a dead-letter queue and writes persistent frames of at most MAX_EVENTS_PER_FRAME', async () => {
    const { rabbit, publisher, published } = agentSide();
    rabbit.start();
    try {
      await rabbit.waitUntilConnected(10_000);
      await purge();
      const events = Array.from({ length: MAX_EVENTS_PER_FRAME * 2 + 1 }, (_, i) => level(i + 1));
      await publisher.publish(events);
      expect(published).toEqual([events.length]);
      expect(await publisher.depths()).toEqual({ outbox: 3, dlq: 0 });

      const got = await withAdmin(async (admin) => {
        const ch = await admin.createChannel();
        const got = [];
        for (let i = 0; i < 3; i++) {
          const msg = await ch.get(OUTBOX_QUEUE, { noAck: true });
          if (!msg) throw new Error('expected a frame');
          expect(msg.properties.deliveryMode).toBe(2);
          expect(msg.properties.contentType).toBe('application/json');
          const frame = parseLevelsFrame(JSON.parse(msg.content.toString('utf8')));
          if (!frame.ok) throw new Error(frame.reason);
          expect(msg.properties.messageId).toBe(frame.value.frameId);
          got.push(frame.value);
        }
        return got;
      });
      expect(got.map((f) => f.events.length)).toEqual([MAX_EVENTS_PER_FRAME, MAX_EVENTS_PER_FRAME, 1]);
      expect(got.flatMap((f) => f.events.map((e) => e.eventId))).toEqual(events.map((e) => e.eventId));
      expect(new Set(got.map((f) => f.frameId)).size).toBe(3);

      // Redeclaring with the expected arguments must succeed: the queues exist exactly as specified.
      await withAdmin(async (admin) => {
        const check = await admin.createChannel();
        await check.assertQueue(OUTBOX_QUEUE, {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'agent.outbox.dlx' },
        });
        await check.assertQueue(OUTBOX_DLQ, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      });
    } finally {
      await rabbit.stop();
    }
  });

  it('rejects publish with a clear error while the broker is unreachable, and works again once it is back', async () => {
    const { rabbit, publisher, lines } = agentSide();
    rabbit.start();
    try {
      await rabbit.waitUntilConnected(10_000);
      await purge();
      await publisher.publish([level(1)]);

      proxy.setRefusing(true);
      proxy.cutAll();
      await waitFor('the agent to notice the broker is gone', () => !rabbit.connected);
      const err: unknown = await publisher.publish([level(2)]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutboxUnavailableError);
      expect((err as Error).message).toMatch(/^the outbox cannot take levels now: RabbitMQ/);
      expect((err as Error).message).not.toContain('guest');
      // A broker that stays away is reported once, not once per reconnect attempt.
      await new Promise((r) => setTimeout(r, 500));
      expect(logged(lines, /not reachable/).length).toBe(1);

      proxy.setRefusing(false);
      await rabbit.waitUntilConnected(10_000);
      await publisher.publish([level(3)]);
      expect((await publisher.depths()).outbox).toBe(2);
    } finally {
      proxy.setRefusing(false);
      await rabbit.stop();
    }
  });

  it('recovers when the broker itself closes the connection (CONNECTION_FORCED)', async () => {
    const { rabbit, publisher, lines } = agentSide(vhost.url);
    rabbit.start();
    try {
      await rabbit.waitUntilConnected(10_000);
      await purge();
      vhost.closeConnections();
      await waitFor(
        'the reconnect',
        () => logged(lines, /connection lost: .*CONNECTION_FORCED/).length === 1,
      );
      await rabbit.waitUntilConnected(10_000);
      await publisher.publish([level(4)]);
      expect((await publisher.depths()).outbox).toBe(1);
    } finally {
      await rabbit.stop();
    }
  });

  it('never reports a publish as done unless its frames are in the queue, while the connection keeps being cut', async () => {
    const { rabbit, publisher } = agentSide();
    rabbit.start();
    try {
      await rabbit.waitUntilConnected(10_000);
      await purge();
      const confirmed = new Set<string>();
      let failures = 0;
      const deadline = Date.now() + 4_000;
      const cutter = setInterval(() => proxy.cutAll(), 300);
      try {
        while (Date.now() < deadline) {
          const batch = Array.from({ length: 50 }, (_, i) => level(i + 1));
          try {
            await publisher.publish(batch);
            for (const e of batch) confirmed.add(e.eventId);
          } catch (err) {
            expect(err).toBeInstanceOf(OutboxUnavailableError);
            failures++;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      } finally {
        clearInterval(cutter);
      }
      expect(failures).toBeGreaterThan(0);
      expect(confirmed.size).toBeGreaterThan(0);

      await rabbit.waitUntilConnected(10_000);
      const stored = new Set<string>();
      await withAdmin(async (admin) => {
        const ch = await admin.createChannel();
        for (;;) {
          const msg = await ch.get(OUTBOX_QUEUE, { noAck: true });
          if (!msg) break;
          const frame = parseLevelsFrame(JSON.parse(msg.content.toString('utf8')));
          if (frame.ok) for (const e of frame.value.events) stored.add(e.eventId);
        }
      });
      const lost = [...confirmed].filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      await rabbit.stop();
    }
  });

  it('says in one sentence which URL failed and how to start a broker, without the password', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    const { rabbit, publisher, lines } = agentSide(`amqp://guest:s3cret@127.0.0.1:${port}`);
    rabbit.start();
    try {
      await waitFor('the failure to be logged', () => logged(lines, /not reachable/).length > 0);
      const expected = `RabbitMQ is not reachable at amqp://127.0.0.1:${port} (ECONNREFUSED): start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL`;
      expect(logged(lines, /not reachable/)[0]?.msg).toBe(expected);
      expect(rabbit.problem).toBe(expected);
      await expect(publisher.publish([level(1)])).rejects.toThrow(
        `the outbox cannot take levels now: ${expected}`,
      );
      expect(JSON.stringify(lines)).not.toContain('s3cret');
    } finally {
      await rabbit.stop();
    }
  });

  it('names a wrong password and a missing vhost', async () => {
    const broker = new URL(vhost.url);
    const badPassword = new URL(vhost.url);
    badPassword.password = 'wrong-password';
    const noVhost = new URL(vhost.url);
    noVhost.pathname = '/no-such-vhost';
    for (const [url, pattern] of [
      [badPassword.href, /refused user "guest" \(ACCESS_REFUSED\): check the user and password in AMQP_URL$/],
      [noVhost.href, /refused virtual host "no-such-vhost" .*rabbitmqctl add_vhost no-such-vhost/],
    ] as const) {
      const { rabbit, lines } = agentSide(url);
      rabbit.start();
      try {
        await waitFor(`an error for ${url}`, () => lines.find((l) => l.level >= 50));
        expect(rabbit.problem).toMatch(pattern);
        expect(rabbit.problem).toContain(`amqp://${broker.host}`);
        expect(JSON.stringify(lines)).not.toContain('wrong-password');
      } finally {
        await rabbit.stop();
      }
    }
  });
});
