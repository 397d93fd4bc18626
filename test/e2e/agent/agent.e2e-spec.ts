import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type AgentHandle } from '../../../apps/agent/src/agent';
import { parseAgentEnv, type AgentEnv } from '../../../apps/agent/src/config/agent-env';
import { startOdooSimulator, type OdooSimulator } from '../../simulators/odoo/odoo-simulator';
import { AgentVhost } from '../../support/agent-vhost';
import { FakeRelay } from '../../support/fake-relay';
import { logged, memoryLogger, type LogLine } from '../../support/memory-logger';
import { OdooTestClient } from '../../support/odoo-test-client';
import { waitFor } from '../../support/wait-for';

jest.setTimeout(60_000);

const TOKEN = 'sb_agent_e2e_token_0123456789';
const HINT_SECRET = 'hint-secret-0123456789';

describe('the composed agent: Odoo simulator -> capture -> real outbox -> uplink -> test relay', () => {
  let vhost: AgentVhost;
  let odoo: OdooSimulator;
  let odooClient: OdooTestClient;
  let relay: FakeRelay;
  let agent: AgentHandle | null = null;
  let lines: LogLine[];
  let stateDir: string;

  beforeAll(async () => {
    vhost = AgentVhost.create('agent');
    odoo = await startOdooSimulator({ version: 17 });
    odooClient = await OdooTestClient.connect(odoo.url, odoo.db, odoo.login, odoo.apiKey);
    relay = await FakeRelay.start(TOKEN);
    stateDir = mkdtempSync(join(tmpdir(), 'stockbridge-agent-e2e-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await relay?.close();
    await odoo?.close();
    rmSync(stateDir, { recursive: true, force: true });
    vhost?.delete();
  });

  function env(overrides: Record<string, string> = {}): AgentEnv {
    return parseAgentEnv({
      ODOO_URL: odoo.url,
      ODOO_DB: odoo.db,
      ODOO_USER: odoo.login,
      ODOO_API_KEY: odoo.apiKey,
      AMQP_URL: vhost.url,
      RELAY_URL: relay.url,
      AGENT_TOKEN: TOKEN,
      POLL_INTERVAL_MS: '60000', // only hints and relay commands make it poll again within a test
      AGENT_STATE_DIR: stateDir,
      AGENT_HTTP_PORT: '0',
      AGENT_HINT_SECRET: HINT_SECRET,
      LOG_LEVEL: 'debug',
      ...overrides,
    });
  }

  const http = (path: string, init?: RequestInit): Promise<Response> =>
    fetch(`http://127.0.0.1:${agent?.httpPort ?? 0}${path}`, init);

  /** Latest free quantity the relay received for a SKU in a warehouse. */
  function relayFree(sku: string, warehouse = 'WH'): number | undefined {
    const events = relay.frames
      .flatMap((f) => f.events)
      .filter((e) => e.sku === sku && e.warehouse === warehouse);
    return events.sort((a, b) => a.version - b.version).at(-1)?.free;
  }

  it('streams Odoo levels to the relay, says hello, and reports ready on /readyz', async () => {
    const log = memoryLogger('debug');
    lines = log.lines;
    agent = await startAgent(env(), {
      logger: log.logger,
      uplinkTimings: { backoff: { baseMs: 20, maxMs: 200 } },
    });
    await waitFor('the first levels at the relay', () => relay.frames.length > 0, { timeoutMs: 20_000 });
    expect(relayFree('MUG-BLUE')).toEqual(expect.any(Number));
    await waitFor('a hello with the Odoo version', () => relay.hellos.find((h) => h.odooVersion !== null));

    expect(await (await http('/healthz')).json()).toEqual({ status: 'ok' });
    await waitFor('ready', async () => (await http('/readyz')).status === 200);
    const status = agent.status();
    expect(status).toMatchObject({ ready: true, uplinkOpen: true, rabbitmqConnected: true });
    expect(status.capture.odooVersion).toBe('17.0');
    await waitFor('every frame acked', () => agent?.status().outbox.inFlight === 0);
    await waitFor('an empty outbox', () => agent?.status().outbox.outbox === 0);
  });

  it('exposes the agent metrics on /metrics', async () => {
    await new Promise((r) => setTimeout(r, 250)); // the poll observer samples every 100 ms
    const res = await http('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^agent_uplink_connected 1$/m);
    expect(text).toMatch(/^agent_outbox_depth 0$/m);
    expect(text).toMatch(/^agent_levels_published_total [1-9]\d*$/m);
    expect(text).toMatch(/^agent_frames_acked_total [1-9]\d*$/m);
    expect(text).toMatch(/^agent_odoo_poll_duration_seconds_count [1-9]\d*$/m);
    expect(text).toMatch(/^agent_odoo_errors_total\{kind="unreachable"\} 0$/m);
    expect(text).toMatch(/^agent_frames_rejected_total\{retry="false"\} 0$/m);
  });

  it('polls at once on an authenticated LAN hint, and refuses a wrong secret', async () => {
    expect((await http('/hints?secret=wrong-secret-000000', { method: 'POST', body: '{}' })).status).toBe(
      401,
    );
    const before = relayFree('MUG-BLUE');
    const next = (before ?? 0) + 7;
    await odooClient.adjustInventory('MUG-BLUE', 'WH', next);
    const res = await http(`/hints?secret=${HINT_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _model: 'stock.quant', _id: 1 }),
    });
    expect(res.status).toBe(202);
    await waitFor('the new level at the relay', () => relayFree('MUG-BLUE') === next, { timeoutMs: 10_000 });
  });

  it('polls at once when the relay sends a poll command', async () => {
    const next = (relayFree('SOCKS') ?? 0) + 3;
    await odooClient.adjustInventory('SOCKS', 'WH', next);
    relay.broadcast({ event: 'command', data: { commandId: 'cmd-e2e-1', name: 'poll' } });
    await waitFor('the new level at the relay', () => relayFree('SOCKS') === next, { timeoutMs: 10_000 });
  });

  it('says on /readyz which dependency is down: Odoo, then the uplink', async () => {
    odoo.setDown(true);
    relay.broadcast({ event: 'command', data: { commandId: 'cmd-e2e-2', name: 'poll' } });
    const down = await waitFor(
      'Odoo reported down',
      async () => {
        const res = await http('/readyz');
        const body = (await res.json()) as { down?: Record<string, string> };
        return res.status === 503 && body.down?.['odoo'] ? body : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(down).toEqual({
      status: 'not ready',
      down: { odoo: expect.stringMatching(/^Odoo at http:\/\/127\.0\.0\.1:\d+ /) },
    });
    await waitFor('the failed poll counted by kind', async () =>
      /^agent_odoo_errors_total\{kind="unreachable"\} [1-9]\d*$/m.test(await (await http('/metrics')).text()),
    );
    odoo.setDown(false);
    relay.broadcast({ event: 'command', data: { commandId: 'cmd-e2e-3', name: 'poll' } });
    await waitFor('ready again', async () => (await http('/readyz')).status === 200, { timeoutMs: 20_000 });

    relay.token = 'rotated-token';
    relay.dropAll();
    const body = await waitFor('the uplink reported down', async () => {
      const res = await http('/readyz');
      const b = (await res.json()) as { down?: Record<string, string> };
      return res.status === 503 && b.down?.['uplink']?.includes('401') ? b : undefined;
    });
    expect(body.down).toEqual({
      uplink: 'the relay refused AGENT_TOKEN (HTTP 401): check the token or create a new one',
    });
    relay.token = TOKEN;
  });

  it('stops gracefully and never logs a secret', async () => {
    await agent?.stop();
    agent = null;
    expect(logged(lines, /agent stopped/)).toHaveLength(1);
    const all = JSON.stringify(lines);
    for (const secret of [TOKEN, odoo.apiKey, HINT_SECRET]) expect(all).not.toContain(secret);
  });

  it('refuses to start on a port in use, in one sentence', async () => {
    const log = memoryLogger('warn');
    const first = await startAgent(env(), { logger: log.logger });
    try {
      await expect(
        startAgent(env({ AGENT_HTTP_PORT: String(first.httpPort) }), { logger: log.logger }),
      ).rejects.toThrow(
        `port ${first.httpPort} is already in use: stop the other process or set AGENT_HTTP_PORT`,
      );
    } finally {
      await first.stop();
    }
  });

  it('answers 404 on /hints when no hint secret is configured', async () => {
    const log = memoryLogger('warn');
    agent = await startAgent(env({ AGENT_HINT_SECRET: '' }), { logger: log.logger });
    const res = await http('/hints', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'hints are disabled: set AGENT_HINT_SECRET to enable them' });
    await agent.stop();
    agent = null;
  });
});
