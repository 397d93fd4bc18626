import { createLogger } from '../logging/logger';
import { AgentMetrics } from './agent-metrics';
import { startHealthServer, type HealthServer, type Readiness } from './health.server';

describe('health server', () => {
  let server: HealthServer;
  let readiness: Readiness;
  let hints = 0;
  const url = (path: string): string => `http://127.0.0.1:${server.port}${path}`;

  beforeAll(async () => {
    const metrics = new AgentMetrics();
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('silent'),
      metrics,
      readiness: () => readiness,
      refreshMetrics: async () => metrics.outboxDepth.set(7),
      hintHandler: (_req, res) => {
        hints++;
        res.writeHead(202).end();
      },
    });
  });
  afterAll(() => server.close());

  it('answers /healthz', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200, or 503 naming each dependency that is down', async () => {
    readiness = { odoo: null, rabbitmq: null, uplink: null };
    expect((await fetch(url('/readyz'))).status).toBe(200);
    readiness = {
      odoo: null,
      rabbitmq: 'RabbitMQ is not reachable at amqp://x (ECONNREFUSED)',
      uplink: 'closed',
    };
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      down: { rabbitmq: 'RabbitMQ is not reachable at amqp://x (ECONNREFUSED)', uplink: 'closed' },
    });
  });

  it('serves Prometheus text with fresh gauges', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toMatch(/^agent_outbox_depth 7$/m);
  });

  it('routes POST /hints to the hint handler only', async () => {
    expect((await fetch(url('/hints?secret=x'), { method: 'POST', body: '{}' })).status).toBe(202);
    expect((await fetch(url('/hints'))).status).toBe(405);
    expect(hints).toBe(1);
    expect((await fetch(url('/nope'))).status).toBe(404);
    expect((await fetch(url('/healthz'), { method: 'DELETE' })).status).toBe(405);
  });
});
