import { Writable } from 'node:stream';
import { Chain } from '../../support/chain';
import { memoryLogger, type LogLine } from '../../support/memory-logger';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';
import { waitFor } from '../../support/wait-for';
import { parsePrometheusText, valueOf, type Sample } from './prometheus-text';

/** The relay's pino lines, parsed, as a test reads them. */
function relayLogCapture(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n'))
        if (text.trim()) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

/**
 * Observability of the whole chain (Odoo simulator → agent → RabbitMQ → relay → Shopify simulator): the metrics a
 * change moves on both apps, one correlation id followed through both apps' logs, and /readyz naming RabbitMQ
 * when it becomes unreachable. RabbitMQ is reached through a TCP proxy the test can cut.
 */
describe('observability of a stock change', () => {
  let chain: Chain;
  let amqpProxy: TcpProxy;
  const agentLog = memoryLogger('debug');
  const relayLog = relayLogCapture();

  const relayMetrics = async (): Promise<Sample[]> => {
    const res = await fetch(`${chain.relay.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await res.text());
  };
  const agentHttp = (path: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${chain.agent?.httpPort ?? 0}${path}`);
  const latency = (samples: Sample[], suffix: 'count' | 'sum'): number =>
    valueOf(samples, `relay_sync_latency_seconds_${suffix}`, {
      channel_kind: 'shopify',
      channel: chain.channelId,
    }) ?? 0;

  beforeAll(async () => {
    const broker = new URL(process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
    amqpProxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    broker.port = String(amqpProxy.port);
    chain = await new Chain({
      amqpUrl: broker.href,
      logLevel: 'debug',
      agentLogger: agentLog.logger,
      relayLogDestination: relayLog.stream,
    }).start();
    await chain.converged(); // the first poll publishes every product
  });
  afterAll(async () => {
    await chain.stop();
    await amqpProxy.close();
  });

  it("reports on the relay's /metrics the sync latency of the change, per channel, and the push health", async () => {
    const before = await relayMetrics();
    await chain.odooClient.adjustInventory('CAP', 'WH', 42);
    await chain.converged();

    const after = await waitFor('the latency of the CAP push on /metrics', async () => {
      const samples = await relayMetrics();
      return latency(samples, 'count') > latency(before, 'count') ? samples : undefined;
    });
    expect(latency(after, 'sum')).toBeGreaterThan(latency(before, 'sum'));
    expect(valueOf(after, 'relay_push_success_ratio', { kind: 'shopify' })).toBe(1);
    expect(valueOf(after, 'relay_push_items_total', { kind: 'shopify', status: 'ok' })).toBeGreaterThan(0);
    expect(valueOf(after, 'relay_frames_total', { result: 'ack' })).toBeGreaterThan(
      valueOf(before, 'relay_frames_total', { result: 'ack' }) ?? 0,
    );
    expect(valueOf(after, 'relay_level_events_total')).toBeGreaterThan(
      valueOf(before, 'relay_level_events_total') ?? 0,
    );
    expect(valueOf(after, 'relay_agents_connected')).toBe(1);
    expect(valueOf(after, 'relay_push_queue_depth', { kind: 'shopify' })).toEqual(expect.any(Number));
    // Open dead letters are counted over the whole database, which other suites of this run share: only its presence
    // is this test's business; the success ratio above shows this change made none.
    expect(valueOf(after, 'relay_dead_letters_open', { kind: 'shopify' })).toEqual(expect.any(Number));

    // Per agent: the outbox depth its hello reported, and how old the newest level was when committed.
    const agentId = await waitFor(
      'the agent id of the relay',
      () => after.find((s) => s.name === 'relay_agent_outbox_lag_seconds')?.labels['agent'],
    );
    expect(valueOf(after, 'relay_agent_outbox_depth', { agent: agentId })).toBe(0);
    const lag = valueOf(after, 'relay_agent_outbox_lag_seconds', { agent: agentId }) ?? -1;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(30);
    const newest =
      valueOf(after, 'relay_agent_newest_observation_timestamp_seconds', { agent: agentId }) ?? 0;
    expect(Math.abs(Date.now() / 1000 - newest)).toBeLessThan(60);
  });

  it("reports on the agent's /metrics the Odoo poll duration, the uplink and the outbox lag", async () => {
    const res = await agentHttp('/metrics');
    expect(res.status).toBe(200);
    const samples = parsePrometheusText(await res.text());
    expect(valueOf(samples, 'agent_odoo_poll_duration_seconds_count')).toBeGreaterThan(1);
    expect(valueOf(samples, 'agent_odoo_poll_duration_seconds_sum')).toBeGreaterThan(0);
    expect(valueOf(samples, 'agent_uplink_connected')).toBe(1);
    expect(valueOf(samples, 'agent_frames_acked_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'agent_outbox_depth')).toBe(0);
    expect(valueOf(samples, 'agent_outbox_lag_seconds')).toBe(0); // caught up: nothing waits
  });

  it('follows one change by its correlation id from the agent poll to the channel call', async () => {
    const [agentFrom, relayFrom] = [agentLog.lines.length, relayLog.lines.length];
    await chain.odooClient.adjustInventory('TEE-S', 'WH', 17);
    const rows = await chain.converged();
    const shown = rows.find((r) => r.sku === 'TEE-S')?.shopify;

    // The relay's line for the call that put TEE-S on Shopify names the change (debug: one line per item)...
    const item = await waitFor('the relay line of the TEE-S call', () =>
      relayLog.lines
        .slice(relayFrom)
        .find((l) => l['sku'] === 'TEE-S' && l['status'] === 'ok' && l['quantity'] === shown),
    );
    expect(item).toMatchObject({
      level: 'debug',
      component: 'push',
      tenantId: chain.tenantId,
      channelId: chain.channelId,
      channelKind: 'shopify',
      correlationId: expect.stringMatching(/^poll-[0-9a-f-]{36}$/),
    });
    const id = item['correlationId'] as string;
    const newAgent = agentLog.lines.slice(agentFrom);
    const newRelay = relayLog.lines.slice(relayFrom);
    const withId = (lines: Array<LogLine | Record<string, unknown>>) =>
      lines.filter(
        (l) => l['correlationId'] === id || (l['correlationIds'] as unknown[] | undefined)?.includes(id),
      );

    // ...and so does every step before it: the agent's poll and frame, the relay's commit and the call (info).
    const agentLines = withId(newAgent);
    expect(agentLines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          component: 'capture',
          msg: expect.stringMatching(/^published \d+ changed/),
        }),
        expect.objectContaining({ component: 'pump', msg: expect.stringMatching(/^sent frame /) }),
      ]),
    );
    const relayLines = withId(newRelay);
    expect(relayLines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'info',
          component: 'gateway',
          tenantId: chain.tenantId,
          msg: expect.stringMatching(/^committed frame /),
        }),
        expect.objectContaining({
          level: 'info',
          component: 'push',
          channelId: chain.channelId,
          msg: expect.stringMatching(/^shopify call for \d+ listing/),
        }),
      ]),
    );
    // One JSON object per line, in order: the agent read it before the relay pushed it.
    const polledAt = Date.parse(String(agentLines[0]?.['time']));
    expect(polledAt).toBeLessThanOrEqual(Date.parse(String(item['time'])));
  });

  it('answers /readyz on both apps, and names RabbitMQ on both when it becomes unreachable', async () => {
    const ready = await fetch(`${chain.relay.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', broker: 'ok' } });
    expect((await agentHttp('/readyz')).status).toBe(200);
    expect(await (await fetch(`${chain.relay.url}/healthz`)).json()).toEqual({ status: 'ok' });

    amqpProxy.setRefusing(true);
    amqpProxy.cutAll();
    const down = await waitFor('the relay not ready, naming the broker', async () => {
      const res = await fetch(`${chain.relay.url}/readyz`);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      return res.status === 503 ? body : undefined;
    });
    expect(down).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', broker: expect.stringMatching(/^error: RabbitMQ at amqp:\/\/guest:\*\*\*@/) },
    });
    const agentDown = await waitFor('the agent not ready, naming RabbitMQ', async () => {
      const res = await agentHttp('/readyz');
      const body = (await res.json()) as { down?: Record<string, string> };
      return res.status === 503 && body.down?.['rabbitmq'] ? body.down : undefined;
    });
    expect(agentDown['rabbitmq']).toMatch(/RabbitMQ/);
    expect(await (await fetch(`${chain.relay.url}/healthz`)).json()).toEqual({ status: 'ok' }); // alive all along

    amqpProxy.setRefusing(false);
    await waitFor(
      'the relay ready again',
      async () => (await fetch(`${chain.relay.url}/readyz`)).status === 200,
      {
        timeoutMs: 60_000,
      },
    );
    await waitFor('the agent ready again', async () => (await agentHttp('/readyz')).status === 200, {
      timeoutMs: 60_000,
    });
  });
});
