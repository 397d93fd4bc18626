import type { LevelEventV1 } from '@stockbridge/shared';
import { Client } from 'pg';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import { AdminClient } from '../../support/admin-client';
import { connectAgent, type AgentSocketClient, type RelayMessage } from '../../support/agent-socket';
import { levelEvent } from '../../support/level-events';
import { waitFor } from '../../support/wait-for';

const ADMIN_API_KEY = 'reconcile-e2e-admin-key-0123456789';
const RELAY_SECRET_KEY = Buffer.alloc(32, 5).toString('base64');

let n = 0;
/** A level event with the version the test needs (the snapshot's guard compares versions). */
const level = (productId: number, version: number, free: number, warehouse = 'WH'): LevelEventV1 => ({
  ...levelEvent(productId, free, warehouse),
  version,
});

interface Run {
  status: string;
  relayCorrections: number;
  levelsChecked: number;
  errors: string[];
  snapshots: Array<{ status: string; attempts: number; levels: number; error: string | null }>;
}

/**
 * The relay side of the snapshot protocol, driven by a test agent on a raw socket: acks, the version guard, the
 * absence rule, and what happens to frames that do not continue the stored progress (gap, stale attempt,
 * duplicate, new warehouses, abort, silence).
 */
describe('snapshot protocol at the relay', () => {
  let relay: RunningRelay;
  let admin: AdminClient;
  let db: Client;
  let wsUrl: string;

  beforeAll(async () => {
    relay = await startRelay({
      port: 0,
      env: {
        ADMIN_API_KEY,
        RELAY_SECRET_KEY,
        LOG_LEVEL: 'error',
        RECONCILE_SCHEDULER_TICK_MS: '0',
        RECONCILE_SNAPSHOT_TIMEOUT_MS: '3000',
      },
    });
    admin = new AdminClient(relay.url, ADMIN_API_KEY);
    wsUrl = `${relay.url.replace('http', 'ws')}/agent`;
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await relay?.close();
  });

  /** A tenant with one agent, connected, that has published `levels`. */
  async function site(
    levels: LevelEventV1[],
  ): Promise<{ tenantId: string; token: string; agent: AgentSocketClient }> {
    const tenantId = (await admin.post<{ id: string }>('/api/v1/tenants', { name: `snap-${++n}` })).id;
    const { token } = await admin.post<{ token: string }>(`/api/v1/tenants/${tenantId}/agents`, {
      name: 'site',
    });
    const agent = await connect(tenantId, token);
    if (levels.length > 0)
      expect(await agent.send('levels', { frameId: `f-${++n}`, events: levels })).toMatchObject({
        event: 'ack',
      });
    return { tenantId, token, agent };
  }
  async function connect(tenantId: string, token: string): Promise<AgentSocketClient> {
    const agent = await connectAgent(wsUrl, token);
    await waitFor('the relay to record the agent connected', async () => {
      const { rows } = await db.query<{ connected: boolean }>(
        `SELECT connected FROM agents WHERE tenant_id = $1`,
        [tenantId],
      );
      return rows[0]?.connected === true;
    });
    return agent;
  }
  const startRun = (tenantId: string): Promise<{ id: string }> =>
    admin.post<{ id: string }>(`/api/v1/tenants/${tenantId}/reconciliation-runs`, {});
  const finished = (tenantId: string, id: string): Promise<Run> =>
    waitFor('the run to finish', async () => {
      const run = await admin.get<Run & { status: string }>(
        `/api/v1/tenants/${tenantId}/reconciliation-runs/${id}`,
      );
      return run.status === 'running' ? undefined : run;
    });
  const command = async (agent: AgentSocketClient): Promise<RelayMessage['data']> => {
    const m = await agent.nextMessage();
    expect(m).toMatchObject({ event: 'command', data: { name: 'snapshot' } });
    return m.data;
  };
  const levelsOf = async (tenantId: string): Promise<Record<string, { free: number; active: boolean }>> => {
    const { rows } = await db.query<{ product_id: string; warehouse: string; free: string; active: boolean }>(
      `SELECT product_id::text, warehouse, free::text, active FROM stock_levels WHERE tenant_id = $1`,
      [tenantId],
    );
    return Object.fromEntries(
      rows.map((r) => [`${r.product_id}@${r.warehouse}`, { free: Number(r.free), active: r.active }]),
    );
  };

  it('stores, acks and resumes; an older snapshot level never beats a newer one; absent levels go inactive', async () => {
    const { tenantId, agent } = await site([
      level(1, 100, 5),
      level(2, 100, 6),
      level(3, 100, 7),
      level(4, 100, 8),
    ]);
    const run = await startRun(tenantId);
    const first = await command(agent);
    expect(first).toMatchObject({ attempt: 1, resumeAfterProductId: 0, pageSize: 500 });
    const ids = { snapshotId: first['snapshotId'], attempt: 1 };
    const begin = { ...ids, resumeAfterProductId: 0, warehouses: ['WH'], version: 1000 };
    expect(await agent.send('snapshot-begin', begin)).toEqual({
      event: 'snapshot-ack',
      data: { ...ids, seq: 0 },
    });
    const chunk1 = {
      ...ids,
      seq: 1,
      afterProductId: 0,
      lastProductId: 2,
      events: [level(1, 1001, 9), level(2, 1002, 6)],
    };
    expect(await agent.send('snapshot-chunk', chunk1)).toEqual({
      event: 'snapshot-ack',
      data: { ...ids, seq: 1 },
    });
    // Published after the snapshot read product 1, so newer: the snapshot's 9 must not overwrite it. Product 5
    // appears after the snapshot began and is not in it: it is not "absent".
    expect(
      await agent.send('levels', { frameId: `f-${++n}`, events: [level(1, 2000, 4), level(5, 2001, 3)] }),
    ).toMatchObject({ event: 'ack' });
    // A gap: chunk 3 without chunk 2. Refused, and a resuming attempt follows at once.
    const gap = { ...ids, seq: 3, afterProductId: 3, lastProductId: 4, events: [] };
    expect(await agent.send('snapshot-chunk', gap)).toMatchObject({
      event: 'snapshot-stop',
      data: { ...ids, reason: 'seq: expected 2, resuming with a new attempt' },
    });
    const second = await command(agent);
    expect(second).toMatchObject({ snapshotId: ids.snapshotId, attempt: 2, resumeAfterProductId: 2 });
    // The old attempt's frames are refused from now on.
    const late = { ...ids, seq: 2, afterProductId: 2, lastProductId: 3, events: [level(3, 1003, 7)] };
    expect(await agent.send('snapshot-chunk', late)).toMatchObject({
      event: 'snapshot-stop',
      data: { reason: 'superseded by attempt 2' },
    });
    const ids2 = { ...ids, attempt: 2 };
    expect(await agent.send('snapshot-begin', { ...begin, ...ids2, resumeAfterProductId: 2 })).toMatchObject({
      event: 'snapshot-ack',
    });
    // Product 4 is gone from Odoo: the range (2, 4] lists only product 3.
    const chunk = { ...ids2, seq: 1, afterProductId: 2, lastProductId: 4, events: [level(3, 1003, 7)] };
    expect(await agent.send('snapshot-chunk', chunk)).toEqual({
      event: 'snapshot-ack',
      data: { ...ids2, seq: 1 },
    });
    expect(await agent.send('snapshot-chunk', chunk)).toEqual({
      event: 'snapshot-ack',
      data: { ...ids2, seq: 1 },
    }); // duplicate
    expect(await agent.send('snapshot-chunk', { ...chunk, snapshotId: 'not-a-uuid' })).toMatchObject({
      event: 'snapshot-stop',
      data: {
        snapshotId: 'not-a-uuid',
        reason: 'snapshot-chunk: snapshotId: not a snapshot this relay asked for',
      },
    });
    const bad = { ...ids2, seq: 2, afterProductId: 4, lastProductId: 6, events: [level(9, 1004, 1)] };
    expect(await agent.send('snapshot-chunk', bad)).toMatchObject({
      event: 'snapshot-stop',
      data: { reason: 'snapshot-chunk: events[0].productId: outside 4..6' },
    });
    expect(await agent.send('snapshot-end', { ...ids2, chunks: 1, count: 1, lastProductId: 4 })).toEqual({
      event: 'snapshot-ack',
      data: { ...ids2, seq: 2 },
    });

    const result = await finished(tenantId, run.id);
    expect(result).toMatchObject({ status: 'ok', errors: [], relayCorrections: 1, levelsChecked: 4 });
    expect(result.snapshots).toEqual([
      expect.objectContaining({ status: 'complete', attempts: 2, levels: 3 }),
    ]);
    expect(await levelsOf(tenantId)).toEqual({
      '1@WH': { free: 4, active: true }, // the newer level stands
      '2@WH': { free: 6, active: true },
      '3@WH': { free: 7, active: true },
      '4@WH': { free: 0, active: false }, // absent from a complete snapshot: channels get 0
      '5@WH': { free: 3, active: true }, // newer than the snapshot's start
    });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reconciliation_snapshot_levels WHERE snapshot_id = $1`,
      [ids.snapshotId],
    );
    expect(rows[0]?.n).toBe(0); // staging is cleaned up
    await agent.close();
  });

  it('restarts cleanly when a resumed attempt reports other warehouses', async () => {
    const { tenantId, token, agent } = await site([level(1, 100, 5)]);
    const run = await startRun(tenantId);
    const first = await command(agent);
    const ids = { snapshotId: first['snapshotId'], attempt: 1 };
    await agent.send('snapshot-begin', {
      ...ids,
      resumeAfterProductId: 0,
      warehouses: ['WH'],
      version: 1000,
    });
    await agent.send('snapshot-chunk', {
      ...ids,
      seq: 1,
      afterProductId: 0,
      lastProductId: 1,
      events: [level(1, 1001, 5)],
    });
    await agent.close(); // the connection drops
    const again = await connect(tenantId, token);
    const second = await command(again);
    expect(second).toMatchObject({ attempt: 2, resumeAfterProductId: 1 });
    const ids2 = { ...ids, attempt: 2 };
    const begin2 = { ...ids2, resumeAfterProductId: 1, warehouses: ['WH', 'WH2'], version: 1100 };
    expect(await again.send('snapshot-begin', begin2)).toMatchObject({
      event: 'snapshot-stop',
      data: { reason: 'the warehouses changed since the snapshot began; starting it over' },
    });
    const third = await command(again);
    expect(third).toMatchObject({ attempt: 3, resumeAfterProductId: 0 });
    const ids3 = { ...ids, attempt: 3 };
    await again.send('snapshot-begin', { ...begin2, ...ids3, resumeAfterProductId: 0 });
    const events = [level(1, 1201, 5), level(1, 1202, 2, 'WH2')];
    await again.send('snapshot-chunk', { ...ids3, seq: 1, afterProductId: 0, lastProductId: 1, events });
    expect(
      await again.send('snapshot-end', { ...ids3, chunks: 1, count: 2, lastProductId: 1 }),
    ).toMatchObject({
      event: 'snapshot-ack',
    });
    const result = await finished(tenantId, run.id);
    expect(result).toMatchObject({ status: 'ok', relayCorrections: 1 }); // WH2 was new to the relay
    expect(result.snapshots).toEqual([
      expect.objectContaining({ status: 'complete', attempts: 3, levels: 2 }),
    ]);
    await again.close();
  });

  it('records an agent that gives up, and one that never starts, as failed runs that name the agent', async () => {
    const aborted = await site([level(1, 100, 5)]);
    const run1 = await startRun(aborted.tenantId);
    const cmd = await command(aborted.agent);
    await aborted.agent.send('snapshot-abort', {
      snapshotId: cmd['snapshotId'],
      attempt: 1,
      reason: 'Odoo at http://odoo.lan is not reachable',
    });
    const result1 = await finished(aborted.tenantId, run1.id);
    expect(result1.status).toBe('failed');
    expect(result1.errors).toEqual([
      expect.stringMatching(
        /^agent site \(.+\): snapshot failed: agent: Odoo at http:\/\/odoo\.lan is not reachable$/,
      ),
    ]);
    expect(await levelsOf(aborted.tenantId)).toEqual({ '1@WH': { free: 5, active: true } }); // nothing taken for absent

    const silent = await site([level(1, 100, 5)]);
    const run2 = await startRun(silent.tenantId);
    await command(silent.agent); // and never answers
    const result2 = await finished(silent.tenantId, run2.id);
    expect(result2.errors).toEqual([
      expect.stringMatching(/snapshot failed: the agent did not start the snapshot within 3 s$/),
    ]);
    await aborted.agent.close();
    await silent.agent.close();
  });
});
