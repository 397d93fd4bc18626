import { CloseCode, MAX_FRAME_BYTES, type LevelEventV1 } from '@stockbridge/shared';
import { Client } from 'pg';
import { AgentsService } from '../../../apps/relay/src/agents/agents.service';
import { AgentSessions } from '../../../apps/relay/src/gateway/agent-sessions.service';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import { AdminClient } from '../../support/admin-client';
import { connectAgent, upgradeStatus, type AgentSocketClient } from '../../support/agent-socket';
import { waitFor } from '../../support/wait-for';

const ADMIN_API_KEY = 'relay-e2e-admin-key-0123456789';
const RELAY_SECRET_KEY = Buffer.alloc(32, 3).toString('base64');

let seq = 0;
/** A valid reading; each call gets a fresh event id. */
function level(
  productId: number,
  version: number,
  free: number,
  over: Partial<LevelEventV1> = {},
): LevelEventV1 {
  seq++;
  return {
    eventId: `gw-${Date.now().toString(36)}-${seq}`,
    productId,
    sku: `SKU-${productId}`,
    barcode: null,
    warehouse: 'WH',
    onHand: free + 1,
    free,
    forecast: free,
    active: true,
    version,
    observedAt: new Date().toISOString(),
    correlationId: `corr-${seq}`,
    ...over,
  };
}

describe('agent frames on /agent', () => {
  let relay: RunningRelay;
  let admin: AdminClient;
  let db: Client;
  let wsUrl: string;
  let tenantId: string;

  async function newAgent(name = 'site'): Promise<{ id: string; token: string }> {
    return admin.post<{ id: string; token: string }>(`/api/v1/tenants/${tenantId}/agents`, { name });
  }

  async function levelsOf(sku: string): Promise<Array<{ warehouse: string; free: number; version: number }>> {
    const body = await admin.get<{ items: Array<{ warehouse: string; free: number; version: number }> }>(
      `/api/v1/tenants/${tenantId}/levels?sku=${encodeURIComponent(sku)}`,
    );
    return body.items.map(({ warehouse, free, version }) => ({ warehouse, free, version }));
  }

  async function eventRows(eventId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM level_events WHERE tenant_id = $1 AND event_id = $2',
      [tenantId, eventId],
    );
    return rows[0]?.n ?? -1;
  }

  beforeAll(async () => {
    relay = await startRelay({ port: 0, env: { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error' } });
    admin = new AdminClient(relay.url, ADMIN_API_KEY);
    wsUrl = `${relay.url.replace('http', 'ws')}/agent`;
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    tenantId = (await admin.post<{ id: string }>('/api/v1/tenants', { name: 'gateway-e2e' })).id;
  });

  afterAll(async () => {
    await db?.end();
    await relay?.close();
  });

  describe('authentication at upgrade', () => {
    it('refuses a missing, wrong or malformed token with HTTP 401 and no socket', async () => {
      expect(await upgradeStatus(wsUrl, null)).toBe(401);
      expect(await upgradeStatus(wsUrl, 'sba_' + 'x'.repeat(43))).toBe(401);
      expect(await upgradeStatus(wsUrl, 'not-a-token')).toBe(401);
    });

    it('accepts a valid token with the wire subprotocol, and refuses a revoked one with 401', async () => {
      const agent = await newAgent();
      const client = await connectAgent(wsUrl, agent.token);
      expect(client.ws.protocol).toBe('stockbridge.v1');
      await client.close();
      await admin.post(`/api/v1/tenants/${tenantId}/agents/${agent.id}/revoke`, {});
      expect(await upgradeStatus(wsUrl, agent.token)).toBe(401);
    });

    it('refuses a client that offers only another subprotocol', async () => {
      const agent = await newAgent();
      await expect(connectAgent(wsUrl, agent.token, { protocols: ['other.v9'] })).rejects.toMatchObject({
        status: 400,
      });
    });
  });

  describe('levels', () => {
    let agent: AgentSocketClient;
    beforeAll(async () => {
      agent = await connectAgent(wsUrl, (await newAgent()).token);
    });
    afterAll(() => agent.close());

    it('stores a level, ignores a stale one, rejects a bad one by field and stores nothing of it', async () => {
      expect(await agent.send('levels', { frameId: 'f1', events: [level(101, 2, 10)] })).toEqual({
        event: 'ack',
        data: { frameId: 'f1' },
      });
      const stale = level(101, 1, 99);
      expect(await agent.send('levels', { frameId: 'f2', events: [stale] })).toEqual({
        event: 'ack',
        data: { frameId: 'f2' },
      });
      const bad = { ...level(101, 3, 50), free: 'x' };
      expect(await agent.send('levels', { frameId: 'f3', events: [bad] })).toEqual({
        event: 'reject',
        data: { frameId: 'f3', reason: 'events[0].free: invalid', retry: false },
      });
      expect(await levelsOf('SKU-101')).toEqual([{ warehouse: 'WH', free: 10, version: 2 }]);
      expect(await eventRows(stale.eventId)).toBe(1); // the stale reading is logged, just not applied
      expect(await eventRows(bad.eventId)).toBe(0);
      const { rows } = await db.query<{ applied: boolean }>(
        'SELECT applied FROM level_events WHERE tenant_id = $1 AND event_id = $2',
        [tenantId, stale.eventId],
      );
      expect(rows).toEqual([{ applied: false }]);
    });

    it('keeps the newest reading when one frame carries several of one product', async () => {
      const frame = { frameId: 'f-multi', events: [level(102, 5, 5), level(102, 7, 7), level(102, 6, 6)] };
      expect(await agent.send('levels', frame)).toMatchObject({ event: 'ack' });
      expect(await levelsOf('SKU-102')).toEqual([{ warehouse: 'WH', free: 7, version: 7 }]);
    });

    it('acks a duplicate frame (same event ids) and stores each event once', async () => {
      const frame = { frameId: 'f-dup', events: [level(103, 1, 4), level(103, 1, 6, { warehouse: 'WH2' })] };
      expect(await agent.send('levels', frame)).toEqual({ event: 'ack', data: { frameId: 'f-dup' } });
      expect(await agent.send('levels', frame)).toEqual({ event: 'ack', data: { frameId: 'f-dup' } });
      expect(await eventRows(frame.events[0]!.eventId)).toBe(1);
      expect(await eventRows(frame.events[1]!.eventId)).toBe(1);
      expect(await levelsOf('SKU-103')).toEqual([
        { warehouse: 'WH', free: 4, version: 1 },
        { warehouse: 'WH2', free: 6, version: 1 },
      ]);
    });

    it('rejects a frame that is not JSON, and an unknown event, naming the problem; the socket stays usable', async () => {
      expect(await agent.sendRaw('{not json')).toEqual({
        event: 'reject',
        data: { reason: 'frame: expected JSON {event, data}', retry: false },
      });
      expect(await agent.send('teleport', {})).toEqual({
        event: 'reject',
        data: {
          reason:
            'event: unknown "teleport" (expected one of levels, hello, snapshot-begin, snapshot-chunk, snapshot-end, snapshot-abort)',
          retry: false,
        },
      });
      expect(await agent.send('levels', { events: [] })).toEqual({
        event: 'reject',
        data: { reason: 'frameId: expected a string of 1..64 characters', retry: false },
      });
      expect(await agent.send('levels', { frameId: 'f-ok', events: [level(104, 1, 1)] })).toMatchObject({
        event: 'ack',
      });
    });

    it('refuses values PostgreSQL cannot store without asking for a retry', async () => {
      const nul = level(105, 1, 1, { correlationId: 'bad\u0000byte' });
      const reply = await agent.send('levels', { frameId: 'f-nul', events: [nul] });
      expect(reply).toMatchObject({ event: 'reject', data: { frameId: 'f-nul', retry: false } });
      expect(await eventRows(nul.eventId)).toBe(0);
    });
  });

  it('closes the socket with 1009 for a frame over the size cap and stores nothing of it', async () => {
    const client = await connectAgent(wsUrl, (await newAgent()).token);
    const event = level(201, 1, 1);
    const frame = JSON.stringify({
      event: 'levels',
      data: { frameId: 'f-big', events: [event], padding: 'x'.repeat(MAX_FRAME_BYTES) },
    });
    client.ws.send(frame);
    expect((await client.closed).code).toBe(1009);
    expect(await eventRows(event.eventId)).toBe(0);
  });

  it('closes the open socket with 4401 when the agent is revoked', async () => {
    const { id, token } = await newAgent();
    const client = await connectAgent(wsUrl, token);
    expect(await client.send('levels', { frameId: 'r1', events: [level(301, 1, 1)] })).toMatchObject({
      event: 'ack',
    });
    await admin.post(`/api/v1/tenants/${tenantId}/agents/${id}/revoke`, {});
    expect(await client.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'agent token revoked' });
    const status = await admin.get<{ revokedAt: string | null; status: { connected: boolean } }>(
      `/api/v1/tenants/${tenantId}/agents/${id}`,
    );
    expect(status.revokedAt).not.toBeNull();
    expect(status.status.connected).toBe(false);
  });

  it('closes a socket held by this instance when the agent is revoked through another instance', async () => {
    const other = await startRelay({ port: 0, env: { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error' } });
    try {
      const { id, token } = await newAgent();
      const client = await connectAgent(wsUrl, token);
      await new AdminClient(other.url, ADMIN_API_KEY).post(
        `/api/v1/tenants/${tenantId}/agents/${id}/revoke`,
        {},
      );
      // The periodic sweep (every ping interval) runs this; called here so the test need not wait 15 s.
      expect(await relay.app.get(AgentsService).closeRevokedSessions()).toEqual([id]);
      expect((await client.closed).code).toBe(CloseCode.Unauthorized);
    } finally {
      await other.close();
    }
  });

  it('closes a socket held by this instance when the token is rotated through another instance', async () => {
    const other = await startRelay({ port: 0, env: { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error' } });
    try {
      const { id, token } = await newAgent();
      const client = await connectAgent(wsUrl, token);
      const rotated = await new AdminClient(other.url, ADMIN_API_KEY).post<{ token: string }>(
        `/api/v1/tenants/${tenantId}/agents/${id}/rotate-token`,
        {},
      );
      const sweep = (): Promise<string[]> => relay.app.get(AgentsService).closeRevokedSessions();
      expect(await sweep()).toEqual([id]);
      expect(await client.closed).toEqual({
        code: CloseCode.Unauthorized,
        reason: 'agent token revoked or rotated',
      });
      const fresh = await connectAgent(wsUrl, rotated.token);
      expect(await sweep()).toEqual([]); // the new token is the agent's: its socket stays
      await fresh.close();
    } finally {
      await other.close();
    }
  });

  it('sends a command to a connected agent, and says when the agent is not connected here', async () => {
    const { id, token } = await newAgent();
    const sessions = relay.app.get(AgentSessions);
    expect(sessions.sendCommand(id, { commandId: 'c-0', name: 'poll' })).toBe(false);
    const client = await connectAgent(wsUrl, token);
    const next = client.nextMessage();
    expect(sessions.sendCommand(id, { commandId: 'c-1', name: 'poll' })).toBe(true);
    expect(await next).toEqual({ event: 'command', data: { commandId: 'c-1', name: 'poll' } });
    await client.close();
  });

  it('replaces an older connection of the same agent with 4409', async () => {
    const { token } = await newAgent();
    const first = await connectAgent(wsUrl, token);
    const second = await connectAgent(wsUrl, token);
    expect((await first.closed).code).toBe(CloseCode.Replaced);
    expect(await second.send('levels', { frameId: 'n1', events: [level(401, 1, 1)] })).toMatchObject({
      event: 'ack',
    });
    await second.close();
  });

  it('shows connection, versions and outbox depth from hello, and disconnected after close', async () => {
    const { id, token } = await newAgent('status-site');
    const client = await connectAgent(wsUrl, token);
    type Status = {
      status: {
        connected: boolean;
        agentVersion: string | null;
        odooVersion: string | null;
        outboxDepth: number;
        lastSeenAt: string | null;
      };
    };
    expect(await client.send('hello', { agentVersion: '1.2.3' })).toEqual({
      event: 'reject',
      data: { reason: 'data.odooVersion: invalid', retry: false },
    });
    client.post('hello', { agentVersion: '1.2.3', odooVersion: '17.0', outboxDepth: 42, lastPollAt: null });
    const seen = await waitFor('the hello to reach the status API', async () => {
      const a = await admin.get<Status>(`/api/v1/tenants/${tenantId}/agents/${id}`);
      return a.status.agentVersion === '1.2.3' ? a : undefined;
    });
    expect(seen.status).toMatchObject({ connected: true, odooVersion: '17.0', outboxDepth: 42 });
    expect(seen.status.lastSeenAt).not.toBeNull();
    await client.close();
    await waitFor('the agent to show as disconnected', async () => {
      const a = await admin.get<Status>(`/api/v1/tenants/${tenantId}/agents/${id}`);
      return a.status.connected === false;
    });
  });

  it('marks the listings of a changed SKU dirty, and only those', async () => {
    const client = await connectAgent(wsUrl, (await newAgent()).token);
    const channel = await admin.post<{ id: string }>(`/api/v1/tenants/${tenantId}/channels`, {
      name: 'dirty-check',
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/none' },
      credentials: { secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64') },
      paused: true, // nothing to push to: this test watches the dirty marks only
    });
    const base = `/api/v1/tenants/${tenantId}/channels/${channel.id}/listings`;
    await admin.post(base, { sku: 'SKU-501', externalId: 'ext-501' });
    await admin.post(base, { sku: 'SKU-502', externalId: 'ext-502' });
    const dirtySeq = async (sku: string): Promise<number> => {
      const { rows } = await db.query<{ n: string }>(
        'SELECT dirty_seq AS n FROM listings WHERE channel_id = $1 AND sku = $2',
        [channel.id, sku],
      );
      return Number(rows[0]?.n);
    };
    expect([await dirtySeq('SKU-501'), await dirtySeq('SKU-502')]).toEqual([1, 1]);

    expect(await client.send('levels', { frameId: 'd1', events: [level(501, 1, 8)] })).toMatchObject({
      event: 'ack',
    });
    expect([await dirtySeq('SKU-501'), await dirtySeq('SKU-502')]).toEqual([2, 1]);

    // A newer version with the same figures changes no channel quantity: no new push.
    expect(await client.send('levels', { frameId: 'd2', events: [level(501, 2, 8)] })).toMatchObject({
      event: 'ack',
    });
    expect(await dirtySeq('SKU-501')).toBe(2);
    // A stale reading changes nothing either.
    expect(await client.send('levels', { frameId: 'd3', events: [level(501, 1, 3)] })).toMatchObject({
      event: 'ack',
    });
    expect(await dirtySeq('SKU-501')).toBe(2);

    expect(await client.send('levels', { frameId: 'd4', events: [level(501, 3, 2)] })).toMatchObject({
      event: 'ack',
    });
    expect(await dirtySeq('SKU-501')).toBe(3);
    const { rows } = await db.query<{ dirty: boolean }>(
      'SELECT dirty_seq > pushed_seq AND dirty_since IS NOT NULL AS dirty FROM listings WHERE channel_id = $1 AND sku = $2',
      [channel.id, 'SKU-501'],
    );
    expect(rows).toEqual([{ dirty: true }]);
    await client.close();
  });
});
