import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { parseAgentEnv, type AgentEnv } from '../../../apps/agent/src/config/agent-env';
import { runDoctor } from '../../../apps/agent/src/doctor/doctor';
import { assertOutboxTopology, OUTBOX_DLQ } from '../../../apps/agent/src/outbox/outbox.topology';
import { startOdooSimulator, type OdooSimulator } from '../../simulators/odoo/odoo-simulator';
import { AgentVhost } from '../../support/agent-vhost';
import { FakeRelay } from '../../support/fake-relay';

jest.setTimeout(60_000);

const TOKEN = 'sb_doctor_token_0123456789';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('agent doctor', () => {
  let vhost: AgentVhost;
  let odoo: OdooSimulator;
  let relay: FakeRelay;
  let stateDir: string;

  beforeAll(async () => {
    vhost = AgentVhost.create('doctor');
    odoo = await startOdooSimulator({ version: 17 });
    relay = await FakeRelay.start(TOKEN);
    stateDir = mkdtempSync(join(tmpdir(), 'stockbridge-doctor-'));
  });

  afterAll(async () => {
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
      AGENT_STATE_DIR: stateDir,
      ...overrides,
    });
  }

  async function doctor(e: AgentEnv): Promise<{ ok: boolean; lines: string[] }> {
    const lines: string[] = [];
    const ok = await runDoctor(e, (line) => lines.push(line), { timeoutMs: 5_000 });
    return { ok, lines };
  }

  it('prints one ✔ line per check and passes when everything works', async () => {
    const { ok, lines } = await doctor(env());
    const amqp = new URL(vhost.url);
    expect(lines).toEqual([
      `✔ Odoo 17.0 at ${odoo.url}: database "${odoo.db}", user ${odoo.login}, stock module installed`,
      `✔ RabbitMQ at amqp://${amqp.host}/${vhost.name} (vhost "${vhost.name}"): agent.outbox not created yet (the agent creates it when it starts)`,
      `✔ Relay at ${relay.url}: WebSocket upgrade accepted the token (protocol stockbridge.v1)`,
      `✔ State directory ${stateDir} is writable`,
    ]);
    expect(ok).toBe(true);
    expect(relay.acceptedUpgrades).toBe(1);
  });

  it('names each failure in one sentence that says what to do, and fails', async () => {
    const [odooPort, amqpPort, relayPort] = await Promise.all([closedPort(), closedPort(), closedPort()]);
    const file = join(stateDir, 'not-a-dir');
    writeFileSync(file, 'x');
    const { ok, lines } = await doctor(
      env({
        ODOO_URL: `http://127.0.0.1:${odooPort}`,
        AMQP_URL: `amqp://guest:hunter2@127.0.0.1:${amqpPort}`,
        RELAY_URL: `ws://127.0.0.1:${relayPort}/agent`,
        AGENT_STATE_DIR: file,
      }),
    );
    expect(ok).toBe(false);
    expect(lines).toEqual([
      `✘ Odoo at http://127.0.0.1:${odooPort} is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs`,
      `✘ RabbitMQ is not reachable at amqp://127.0.0.1:${amqpPort} (ECONNREFUSED): start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL`,
      `✘ The relay at ws://127.0.0.1:${relayPort}/agent is not reachable (ECONNREFUSED): check RELAY_URL and that this machine may open outbound connections to it`,
      `✘ AGENT_STATE_DIR ${file} is a file, not a directory: point AGENT_STATE_DIR at a directory`,
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('tells a refused token, a wrong relay path, a rejected Odoo key and a missing Stock module apart', async () => {
    const noStock = await startOdooSimulator({ version: 17, modules: [] });
    try {
      const badKey = await doctor(env({ ODOO_API_KEY: 'wrong-key', AGENT_TOKEN: 'wrong-token' }));
      expect(badKey.ok).toBe(false);
      expect(badKey.lines[0]).toBe(
        `✘ Odoo rejected the login of ${odoo.login} on database "${odoo.db}": check ODOO_USER and ODOO_API_KEY`,
      );
      expect(badKey.lines[2]).toBe(
        `✘ The relay at ${relay.url} refused AGENT_TOKEN (HTTP 401): check the token or create a new one`,
      );

      const other = await doctor(
        env({
          ODOO_URL: noStock.url,
          ODOO_DB: noStock.db,
          ODOO_USER: noStock.login,
          ODOO_API_KEY: noStock.apiKey,
          RELAY_URL: relay.url.replace('/agent', '/wrong'),
        }),
      );
      expect(other.lines[0]).toMatch(
        /^✘ The Stock \(stock\) module is not installed in ".*": install Inventory/,
      );
      expect(other.lines[2]).toBe(
        `✘ The relay at ${relay.url.replace('/agent', '/wrong')} answered HTTP 404 instead of upgrading to a WebSocket: check RELAY_URL points at the relay's /agent endpoint`,
      );
    } finally {
      await noStock.close();
    }
  });

  it('fails while frames the relay refused sit in the dead-letter queue', async () => {
    const model = await connect(vhost.url);
    try {
      await assertOutboxTopology(model);
      const ch = await model.createConfirmChannel();
      ch.sendToQueue(OUTBOX_DLQ, Buffer.from('{"frameId":"f-bad","events":[]}'), { persistent: true });
      await ch.waitForConfirms();
      const { ok, lines } = await doctor(env());
      expect(ok).toBe(false);
      expect(lines[1]).toMatch(
        /^✘ RabbitMQ at .* holds 1 frame\(s\) in agent\.outbox\.dlq that the relay refused as malformed: the agent log names each reason/,
      );
      await ch.purgeQueue(OUTBOX_DLQ);
      const after = await doctor(env());
      expect(after.lines[1]).toMatch(
        /: agent\.outbox has 0 frame\(s\) waiting, agent\.outbox\.dlq is empty$/,
      );
      expect(after.ok).toBe(true);
    } finally {
      await model.close();
    }
  });
});
