import { connect } from 'amqplib';
import { CloseCode, parseLevelsFrame, type AgentCommandV1, type LevelsFrameV1 } from '@stockbridge/shared';
import type { Logger } from '../../../apps/agent/src/logging/logger';
import {
  assertOutboxTopology,
  OUTBOX_DLQ,
  OUTBOX_QUEUE,
} from '../../../apps/agent/src/outbox/outbox.topology';
import { OutboxPublisher } from '../../../apps/agent/src/outbox/outbox.publisher';
import { RabbitConnection } from '../../../apps/agent/src/outbox/rabbit-connection';
import { OutboxPump } from '../../../apps/agent/src/uplink/outbox.pump';
import {
  TOKEN_REFUSED,
  UplinkClient,
  type UplinkTimings,
} from '../../../apps/agent/src/uplink/uplink.client';
import { AgentVhost } from '../../support/agent-vhost';
import { ackAll, FakeRelay } from '../../support/fake-relay';
import { levelEvent } from '../../support/level-events';
import { logged, memoryLogger, type LogLine } from '../../support/memory-logger';
import { waitFor } from '../../support/wait-for';

const TOKEN = 'sb_test_agent_token_0123456789';
const FAST: Partial<UplinkTimings> = {
  backoff: { baseMs: 20, maxMs: 200 },
  unauthorizedRetryMs: 150,
  pingIntervalMs: 200,
  pongTimeoutMs: 300,
  helloIntervalMs: 60_000,
};

interface Agent {
  rabbit: RabbitConnection;
  publisher: OutboxPublisher;
  uplink: UplinkClient;
  pump: OutboxPump;
  lines: LogLine[];
  logger: Logger;
  commands: AgentCommandV1[];
  acked: string[];
  stop(): Promise<void>;
}

jest.setTimeout(60_000);

describe('agent uplink and outbox pump against a test relay', () => {
  let vhost: AgentVhost;
  let relay: FakeRelay;
  const running: Agent[] = [];

  beforeAll(async () => {
    vhost = AgentVhost.create('uplink');
  });
  afterAll(() => vhost?.delete());

  beforeEach(async () => {
    relay = await FakeRelay.start(TOKEN);
    // Each test starts with empty queues.
    const model = await connect(vhost.url);
    try {
      await assertOutboxTopology(model);
      const ch = await model.createChannel();
      await ch.purgeQueue(OUTBOX_QUEUE);
      await ch.purgeQueue(OUTBOX_DLQ);
    } finally {
      await model.close();
    }
  });

  afterEach(async () => {
    for (const agent of running.splice(0)) await agent.stop();
    await relay.close();
  });

  async function startAgent(
    options: {
      token?: string;
      window?: number;
      timings?: Partial<UplinkTimings>;
      retryDelayMs?: number;
    } = {},
  ): Promise<Agent> {
    const { logger, lines } = memoryLogger();
    const rabbit = new RabbitConnection({ url: vhost.url, logger, backoff: { baseMs: 20, maxMs: 200 } });
    const publisher = new OutboxPublisher(rabbit, { logger });
    const uplink = new UplinkClient({
      url: relay.url,
      token: options.token ?? TOKEN,
      logger,
      timings: { ...FAST, ...options.timings },
      status: async () => ({
        agentVersion: 'test',
        odooVersion: '17.0',
        outboxDepth: await publisher.depth(),
        lastPollAt: null,
      }),
    });
    const commands: AgentCommandV1[] = [];
    const acked: string[] = [];
    const pump = new OutboxPump(rabbit, uplink, {
      window: options.window ?? 8,
      logger,
      retryDelayMs: options.retryDelayMs ?? 100,
      onCommand: (c) => commands.push(c),
      onAcked: (f) => acked.push(f.frameId),
    });
    rabbit.start();
    await rabbit.waitUntilConnected(10_000);
    pump.start();
    uplink.start();
    const agent: Agent = {
      rabbit,
      publisher,
      uplink,
      pump,
      lines,
      logger,
      commands,
      acked,
      stop: async () => {
        await pump.stop(200);
        await uplink.stop();
        await rabbit.stop();
      },
    };
    running.push(agent);
    return agent;
  }

  /** Ready messages as the broker reports them at once (quorum queues' unacked counts lag by seconds). */
  async function ready(queue: string): Promise<number> {
    const model = await connect(vhost.url);
    try {
      const ch = await model.createChannel();
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await model.close();
    }
  }

  /** Stops an agent: closing its channel hands back every frame it had not acked. */
  async function stopAgent(agent: Agent): Promise<void> {
    running.splice(running.indexOf(agent), 1);
    await agent.stop();
  }

  async function publishFrames(agent: Agent, frames: number): Promise<void> {
    for (let i = 0; i < frames; i++) await agent.publisher.publish([levelEvent(i + 1)]);
  }

  it('says hello with its status on open and streams frames, acking AMQP only after the relay acked', async () => {
    const held: LevelsFrameV1[] = [];
    relay.policy = (frame) => {
      held.push(frame);
      return 'silent';
    };
    const agent = await startAgent();
    await waitFor('hello', () => relay.hellos.length > 0);
    expect(relay.hellos[0]).toEqual({
      agentVersion: 'test',
      odooVersion: '17.0',
      outboxDepth: 0,
      lastPollAt: null,
    });

    await publishFrames(agent, 1);
    await waitFor('the frame at the relay', () => held.length === 1);
    // Sent but not acked by the relay: stopping hands it back to the queue, it is not lost.
    await stopAgent(agent);
    expect(await ready(OUTBOX_QUEUE)).toBe(1);

    relay.policy = ackAll;
    const again = await startAgent();
    await waitFor('the AMQP ack', () => again.acked.length === 1);
    expect(again.acked).toEqual([held[0]?.frameId]);
    await stopAgent(again);
    expect(await ready(OUTBOX_QUEUE)).toBe(0);
  });

  it('requeues unacked frames when the socket drops mid-stream and delivers every one after reconnecting', async () => {
    const total = 60;
    let seen = 0;
    relay.policy = (frame) => {
      seen++;
      if (seen === 10 || seen === 35) {
        setImmediate(() => relay.dropAll()); // cut the socket with frames in flight
        return 'silent';
      }
      return seen % 3 === 0 ? 'silent' : ackAll(frame, 1); // some frames never get an answer on this socket
    };
    const agent = await startAgent({ window: 8 });
    await waitFor('uplink open', () => agent.uplink.isOpen);
    await publishFrames(agent, total);
    // From here on the relay acks everything (including redeliveries).
    setTimeout(() => {
      relay.policy = ackAll;
      relay.dropAll(); // the 'silent' frames on the current socket go back too
    }, 1_500);
    await waitFor('every frame acked', () => new Set(agent.acked).size === total, { timeoutMs: 20_000 });
    await waitFor(
      'nothing left to send',
      async () => agent.pump.framesInFlight === 0 && (await ready(OUTBOX_QUEUE)) === 0,
    );
    expect(relay.frameIds.size).toBe(total);
    expect(relay.acceptedUpgrades).toBeGreaterThanOrEqual(3);
    await stopAgent(agent);
    expect(await ready(OUTBOX_QUEUE)).toBe(0); // every frame was acked, none merely in flight
    expect(logged(agent.lines, /unacked frame\(s\) go back to agent\.outbox/).length).toBeGreaterThan(0);
  });

  it('sends a frame the relay rejects with retry=false to agent.outbox.dlq, with the reason logged', async () => {
    let rejectedId = '';
    relay.policy = (frame) => {
      if (frame.events[0]?.productId === 2) {
        rejectedId = frame.frameId;
        return {
          event: 'reject',
          data: { frameId: frame.frameId, reason: 'events[0].sku: invalid', retry: false },
        };
      }
      return ackAll(frame, 1);
    };
    const agent = await startAgent();
    await publishFrames(agent, 3);
    await waitFor('two acks', () => agent.acked.length === 2);
    await waitFor('the DLQ to hold the rejected frame', async () => (await ready(OUTBOX_DLQ)) === 1);
    const model = await connect(vhost.url);
    try {
      const ch = await model.createChannel();
      const msg = await ch.get(OUTBOX_DLQ, { noAck: false });
      if (!msg) throw new Error('expected the rejected frame in the DLQ');
      const frame = parseLevelsFrame(JSON.parse(msg.content.toString('utf8')));
      expect(frame.ok && frame.value.frameId).toBe(rejectedId);
      ch.nack(msg, false, true);
    } finally {
      await model.close();
    }
    expect(
      logged(
        agent.lines,
        new RegExp(
          `rejected frame ${rejectedId} as malformed \\(events\\[0\\]\\.sku: invalid\\); moved to agent\\.outbox\\.dlq`,
        ),
      ),
    ).toHaveLength(1);
    await stopAgent(agent);
    expect(await ready(OUTBOX_QUEUE)).toBe(0);
  });

  it('sends a frame again after a reject with retry=true', async () => {
    relay.policy = (frame, delivery) =>
      delivery === 1
        ? { event: 'reject', data: { frameId: frame.frameId, reason: 'relay: not stored', retry: true } }
        : ackAll(frame, delivery);
    const agent = await startAgent({ retryDelayMs: 200 });
    await publishFrames(agent, 2);
    await waitFor('both frames acked', () => agent.acked.length === 2);
    expect(relay.frames).toHaveLength(4);
    await stopAgent(agent);
    expect(await ready(OUTBOX_QUEUE)).toBe(0);
  });

  it('logs a refused token (HTTP 401) once, keeps retrying, and connects once the token is valid', async () => {
    relay.token = 'another-token';
    const agent = await startAgent();
    await waitFor('three refused upgrades', () => relay.refusedUpgrades >= 3);
    expect(logged(agent.lines, /refused AGENT_TOKEN/).map((l) => l.msg)).toEqual([TOKEN_REFUSED]);
    expect(agent.uplink.problem).toBe(TOKEN_REFUSED);

    relay.token = TOKEN; // e.g. the operator re-issued the token the agent has
    await waitFor('the uplink to open', () => agent.uplink.isOpen);
    await publishFrames(agent, 1);
    await waitFor('the frame acked', () => agent.acked.length === 1);
  });

  it('treats close 4401 (token revoked) like a refused token: one log line, long backoff', async () => {
    const agent = await startAgent();
    await waitFor('the uplink to open', () => agent.uplink.isOpen);
    relay.token = 'revoked';
    relay.closeAll(CloseCode.Unauthorized, 'token revoked');
    await waitFor('refused upgrades', () => relay.refusedUpgrades >= 2);
    expect(logged(agent.lines, /refused AGENT_TOKEN/).map((l) => l.msg)).toEqual([
      'the relay refused AGENT_TOKEN (close 4401, token revoked): check the token or create a new one',
    ]);
  });

  it('finds a dead peer by its missing pong and reconnects', async () => {
    const agent = await startAgent();
    await waitFor('the uplink to open', () => agent.uplink.isOpen);
    relay.deaf = true;
    await waitFor(
      'the heartbeat to give up',
      () => logged(agent.lines, /stopped answering pings/).length > 0,
      {
        timeoutMs: 5_000,
      },
    );
    relay.deaf = false;
    await waitFor('a new connection', () => relay.acceptedUpgrades >= 2 && agent.uplink.isOpen);
    await publishFrames(agent, 1);
    await waitFor('the frame acked', () => agent.acked.length === 1);
  });

  it('logs malformed relay replies and keeps working; a poll command reaches capture', async () => {
    const agent = await startAgent();
    await waitFor('the uplink to open', () => agent.uplink.isOpen);
    relay.broadcast('not json at all');
    relay.broadcast({ event: 'ack', data: {} });
    relay.broadcast({ event: 'launch', data: {} });
    relay.broadcast({ event: 'ack', data: { frameId: 'never-sent' } });
    relay.broadcast({ event: 'command', data: { commandId: 'cmd-1', name: 'poll' } });
    await waitFor('the command', () => agent.commands.length === 1);
    expect(agent.commands).toEqual([{ commandId: 'cmd-1', name: 'poll' }]);
    expect(logged(agent.lines, /not JSON text/)).toHaveLength(1);
    expect(logged(agent.lines, /does not understand \(ack\.frameId: invalid\)/)).toHaveLength(1);
    expect(logged(agent.lines, /does not understand \(event: unknown "launch"\)/)).toHaveLength(1);
    await publishFrames(agent, 1);
    await waitFor('the frame acked', () => agent.acked.length === 1);
    expect(relay.acceptedUpgrades).toBe(1);
  });

  it('stops the pump cleanly: in-flight frames settle, the rest stay in the outbox', async () => {
    const agent = await startAgent({ window: 2 });
    relay.policy = () => 'silent';
    await publishFrames(agent, 5);
    await waitFor('two frames in flight', () => relay.frames.length === 2);
    await stopAgent(agent);
    expect(await ready(OUTBOX_QUEUE)).toBe(5);
  });
});
