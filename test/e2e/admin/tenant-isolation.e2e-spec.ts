import { Client } from 'pg';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import { AdminClient } from '../../support/admin-client';
import { connectAgent, upgradeStatus } from '../../support/agent-socket';
import {
  ADMIN_API_KEY,
  AgentFeed,
  startChannelsRelay,
  TenantDriver,
  type ErrorBody,
} from '../channels/channel-fixtures';

/** The ids of one tenant's resources, substituted into the OpenAPI path templates. */
interface TenantResources {
  tenantId: string;
  agentId: string;
  channelId: string;
  listingId: string;
  deadLetterId: string;
  keyId: string;
  sku: string;
  eventId: string;
  runId: string;
}

/** A body each route accepts, so a 404 can never be a 400 in disguise. Keyed by `METHOD /path/{template}`. */
type BodyFor = (r: TenantResources) => unknown;
const T = '/api/v1/tenants/{tenantId}';
const ROUTES: Record<string, BodyFor | null> = {
  [`GET ${T}`]: null,
  [`POST ${T}/agents`]: () => ({ name: 'intruder' }),
  [`GET ${T}/agents`]: null,
  [`GET ${T}/agents/{agentId}`]: null,
  [`POST ${T}/agents/{agentId}/rotate-token`]: null,
  [`POST ${T}/agents/{agentId}/revoke`]: null,
  [`POST ${T}/api-keys`]: () => ({ name: 'intruder' }),
  [`GET ${T}/api-keys`]: null,
  [`GET ${T}/api-keys/{keyId}`]: null,
  [`POST ${T}/api-keys/{keyId}/revoke`]: null,
  [`POST ${T}/channels`]: () => shopifyChannel('intruder'),
  [`GET ${T}/channels`]: null,
  [`GET ${T}/channels/{channelId}`]: null,
  [`PATCH ${T}/channels/{channelId}`]: () => ({ name: 'hijacked', paused: false }),
  [`DELETE ${T}/channels/{channelId}`]: null,
  [`POST ${T}/channels/{channelId}/test`]: null,
  [`POST ${T}/channels/{channelId}/pause`]: null,
  [`POST ${T}/channels/{channelId}/resume`]: null,
  [`POST ${T}/channels/{channelId}/listings`]: () => ({ sku: 'INTRUDER', externalId: 'x' }),
  [`GET ${T}/channels/{channelId}/listings`]: null,
  [`PATCH ${T}/channels/{channelId}/listings/{listingId}`]: () => ({ externalId: 'hijacked' }),
  [`DELETE ${T}/channels/{channelId}/listings/{listingId}`]: null,
  [`POST ${T}/channels/{channelId}/listings/discover`]: () => ({ dryRun: true }),
  [`GET ${T}/channels/{channelId}/listings/unmapped`]: null,
  [`GET ${T}/channels/{channelId}/deliveries`]: null,
  [`GET ${T}/dead-letters`]: null,
  [`POST ${T}/dead-letters/replay`]: (r) => ({ ids: [r.deadLetterId] }),
  [`GET ${T}/dead-letters/{id}`]: null,
  [`POST ${T}/dead-letters/{id}/replay`]: null,
  [`POST ${T}/dead-letters/{id}/discard`]: null,
  [`GET ${T}/levels`]: null,
  [`GET ${T}/levels/{sku}`]: null,
  [`GET ${T}/events`]: null,
  [`GET ${T}/events/{eventId}/trace`]: null,
  [`POST ${T}/reconciliation-runs`]: null,
  [`GET ${T}/reconciliation-runs`]: null,
  [`GET ${T}/reconciliation-runs/{runId}`]: null,
  [`GET ${T}/reconciliation-settings`]: null,
  [`PATCH ${T}/reconciliation-settings`]: () => ({ intervalMinutes: 5 }),
};

function shopifyChannel(name: string): Record<string, unknown> {
  return {
    name,
    kind: 'shopify',
    config: {
      shopUrl: 'https://example.myshopify.com',
      apiVersion: '2026-04',
      locationId: 'gid://shopify/Location/1',
    },
    credentials: { accessToken: 'shpat_isolation_e2e' },
    paused: true, // no store behind it: nothing is ever pushed
  };
}

/** `/api/v1/tenants/{tenantId}/channels/{channelId}` with the given tenant's path and the ids of `ids`. */
function fill(template: string, tenantId: string, ids: TenantResources): string {
  const values: Record<string, string> = {
    tenantId,
    agentId: ids.agentId,
    channelId: ids.channelId,
    listingId: ids.listingId,
    id: ids.deadLetterId,
    keyId: ids.keyId,
    sku: ids.sku,
    eventId: ids.eventId,
    runId: ids.runId,
  };
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${template}: no test value for {${name}}; add it to fill()`);
    return encodeURIComponent(value);
  });
}

describe('admin API tenant isolation', () => {
  let relay: RunningRelay;
  let admin: AdminClient;
  let db: Client;
  let driverA: TenantDriver;
  let driverB: TenantDriver;
  let a: TenantResources;
  let b: TenantResources;
  let keyA: string;
  let routes: Array<{ method: string; template: string }>;

  /** Every resource kind in a tenant: agent, channel, listing, level and its event, dead letter, API key. */
  async function seed(driver: TenantDriver, tag: string): Promise<TenantResources> {
    const tenantId = driver.tenantId;
    const agent = await admin.post<{ id: string }>(driver.path('/agents'), { name: `${tag}-agent` });
    const channel = await admin.post<{ id: string }>(driver.path('/channels'), shopifyChannel(`${tag}-shop`));
    const sku = `${tag}-SKU-1`;
    const listing = await admin.post<{ id: string }>(driver.path(`/channels/${channel.id}/listings`), {
      sku,
      externalId: `gid://shopify/InventoryItem/${tag}`,
    });
    await driver.agent.send([{ sku, free: 7 }]);
    const events = await admin.get<{ items: Array<{ eventId: string }> }>(driver.path(`/events?sku=${sku}`));
    const eventId = events.items[0]?.eventId;
    if (!eventId) throw new Error(`no level event recorded for ${sku}`);
    const dead = await db.query<{ id: string }>(
      `INSERT INTO dead_letters (tenant_id, channel_id, listing_id, sku, quantity, error_code, error_message,
         attempts, first_failed_at) VALUES ($1, $2, $3, $4, 7, 'VALIDATION_422', 'refused', 5, now()) RETURNING id`,
      [tenantId, channel.id, listing.id, sku],
    );
    const deadLetterId = dead.rows[0]?.id ?? '';
    const key = await admin.post<{ id: string }>(driver.path('/api-keys'), { name: `${tag}-key` });
    // A finished run recorded directly: starting a real one would ask the (test) agent for a snapshot.
    const run = await db.query<{ id: string }>(
      `INSERT INTO reconciliation_runs (tenant_id, trigger, status, finished_at, duration_ms)
         VALUES ($1, 'api', 'ok', now(), 1) RETURNING id`,
      [tenantId],
    );
    return {
      tenantId,
      agentId: agent.id,
      channelId: channel.id,
      listingId: listing.id,
      deadLetterId,
      keyId: key.id,
      sku,
      eventId,
      runId: run.rows[0]?.id ?? '',
    };
  }

  beforeAll(async () => {
    relay = await startChannelsRelay();
    admin = new AdminClient(relay.url, ADMIN_API_KEY);
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    driverA = await TenantDriver.create(relay, 'tenant-a');
    driverB = await TenantDriver.create(relay, 'tenant-b');
    a = await seed(driverA, 'A');
    b = await seed(driverB, 'B');
    keyA = (await admin.post<{ key: string }>(driverA.path('/api-keys'), { name: 'a-script' })).key;

    const doc = await admin.get<{ paths: Record<string, Record<string, unknown>> }>('/docs-json');
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith(T))
      .flatMap(([template, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), template })));
  });

  afterAll(async () => {
    await driverA?.close();
    await driverB?.close();
    await db?.end();
    await relay?.close();
  });

  it('has a case for every tenant route the app serves (a new route fails here until covered)', () => {
    const served = routes.map((r) => `${r.method} ${r.template}`).sort();
    expect(served).toEqual(Object.keys(ROUTES).sort());
  });

  it("answers 404 to tenant A's key on every route of tenant B's path", async () => {
    const tenantA = new AdminClient(relay.url, keyA);
    const answers: string[] = [];
    for (const { method, template } of routes) {
      const body = ROUTES[`${method} ${template}`]?.(b);
      const res = await tenantA.request<ErrorBody>(method, fill(template, b.tenantId, b), body);
      answers.push(`${method} ${template} -> ${res.status} ${res.body?.error?.code ?? ''}`);
    }
    expect(answers).toEqual(routes.map((r) => `${r.method} ${r.template} -> 404 TENANT_NOT_FOUND`));
  });

  it("answers 404 to tenant A's key on its own path with tenant B's resource ids, and never shows B's data", async () => {
    const tenantA = new AdminClient(relay.url, keyA);
    const bIds = [b.agentId, b.channelId, b.listingId, b.deadLetterId, b.keyId, b.eventId];
    const answers: string[] = [];
    for (const { method, template } of routes) {
      const hasResource = /\{(?!tenantId\})\w+\}/.test(template) && !template.endsWith('{sku}');
      if (!hasResource && method !== 'GET' && !template.endsWith('/dead-letters/replay')) continue; // creates in A
      const body = ROUTES[`${method} ${template}`]?.(b);
      const res = await tenantA.request<ErrorBody>(method, fill(template, a.tenantId, b), body);
      // Replaying ids it cannot see lists them as skipped (an echo of the request); only `replayed` is data.
      const shown = template.endsWith('/dead-letters/replay')
        ? (res.body as unknown as { replayed?: unknown }).replayed
        : res.body;
      const text = JSON.stringify(shown ?? null);
      // A 404 names the id it was asked for; only an answer with data can leak.
      const leaked = res.status < 300 ? bIds.filter((id) => text.includes(id)) : [];
      const expected = hasResource ? 404 : 200;
      answers.push(
        `${method} ${template} -> ${res.status === expected ? 'ok' : res.status}${leaked.length ? ` leaked ${leaked.join(',')}` : ''}`,
      );
    }
    expect(answers.filter((a) => !a.endsWith('-> ok'))).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
  });

  it("leaves tenant B's resources untouched", async () => {
    const agent = await admin.get<{ revokedAt: string | null }>(driverB.path(`/agents/${b.agentId}`));
    expect(agent.revokedAt).toBeNull();
    const channel = await admin.get<{ name: string; paused: boolean }>(
      driverB.path(`/channels/${b.channelId}`),
    );
    expect(channel).toMatchObject({ name: 'B-shop', paused: true });
    const listings = await admin.get<{ items: Array<{ id: string; externalId: string }> }>(
      driverB.path(`/channels/${b.channelId}/listings`),
    );
    expect(listings.items).toEqual([
      expect.objectContaining({ id: b.listingId, externalId: 'gid://shopify/InventoryItem/B' }),
    ]);
    const dead = await admin.get<{ status: string }>(driverB.path(`/dead-letters/${b.deadLetterId}`));
    expect(dead.status).toBe('open');
    const key = await admin.get<{ revokedAt: string | null }>(driverB.path(`/api-keys/${b.keyId}`));
    expect(key.revokedAt).toBeNull();
    const level = await admin.get<{ warehouses: Array<{ free: number }> }>(driverB.path(`/levels/${b.sku}`));
    expect(level.warehouses).toEqual([expect.objectContaining({ free: 7 })]);
  });

  it('lets a tenant key use its own tenant, but not create or list tenants (admin key only)', async () => {
    const tenantA = new AdminClient(relay.url, keyA);
    expect((await tenantA.request('GET', `/api/v1/tenants/${a.tenantId}`)).status).toBe(200);
    const detail = await tenantA.request<{ channels: Array<{ desiredQuantity: number | null }> }>(
      'GET',
      `/api/v1/tenants/${a.tenantId}/levels/${a.sku}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.channels).toEqual([expect.objectContaining({ desiredQuantity: 7, dirty: true })]);
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { name: 'x' }],
    ] as const) {
      const res = await tenantA.request<ErrorBody>(method, '/api/v1/tenants', body);
      expect(res.status).toBe(403);
    }
    const page = await admin.get<{ items: Array<{ id: string }> }>('/api/v1/tenants?name=tenant-');
    expect(page.items.map((t) => t.id)).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
  });

  it('shows each API key once, stores only its hash, and refuses a revoked key at once', async () => {
    const created = await admin.post<{ id: string; key: string; keyPrefix: string }>(
      driverA.path('/api-keys'),
      {
        name: 'short-lived',
      },
    );
    expect(created.key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.keyPrefix)).toBe(true);
    const stored = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [
      created.id,
    ]);
    expect(stored.rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await admin.get(driverA.path('/api-keys')))).not.toContain(created.key);

    const client = new AdminClient(relay.url, created.key);
    expect((await client.request('GET', driverA.path('/channels'))).status).toBe(200);
    await admin.post(driverA.path(`/api-keys/${created.id}/revoke`), {});
    const after = await client.request<ErrorBody>('GET', driverA.path('/channels'));
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHORIZED');
  });

  it('rotates an agent token: the old socket closes with 4401, the old token is refused, the new one works', async () => {
    const wsUrl = `${relay.url.replace(/^http/, 'ws')}/agent`;
    const created = await admin.post<{ id: string; token: string }>(driverA.path('/agents'), {
      name: 'rotating',
    });
    const oldSocket = await connectAgent(wsUrl, created.token);
    const rotated = await admin.post<{ token: string; tokenPrefix: string }>(
      driverA.path(`/agents/${created.id}/rotate-token`),
      {},
    );
    expect(rotated.token).not.toBe(created.token);
    expect(await oldSocket.closed).toMatchObject({ code: 4401 });
    expect(await upgradeStatus(wsUrl, created.token)).toBe(401);

    const fresh = new AgentFeed(await connectAgent(wsUrl, rotated.token));
    await fresh.send([{ sku: 'ROTATED-1', free: 1 }]); // throws unless acked
    await fresh.close();

    await admin.post(driverA.path(`/agents/${created.id}/revoke`), {});
    const again = await admin.request<ErrorBody>('POST', driverA.path(`/agents/${created.id}/rotate-token`));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('AGENT_REVOKED');
  });

  it('answers 400 naming the bad field on every controller', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/api/v1/tenants', {}, /^name: /],
      ['GET', '/api/v1/tenants?limit=0', undefined, /^limit: /],
      ['POST', driverA.path('/agents'), { name: '' }, /^name: /],
      ['POST', driverA.path('/api-keys'), { name: 5 }, /^name: /],
      ['GET', driverA.path('/api-keys?revoked=maybe'), undefined, /^revoked: /],
      ['POST', driverA.path('/channels'), { ...shopifyChannel('x'), kind: 'nope' }, /^kind: /],
      ['GET', driverA.path(`/channels/${a.channelId}/listings?limit=0`), undefined, /^limit: /],
      ['POST', driverA.path(`/channels/${a.channelId}/listings/discover`), { match: 'color' }, /^match: /],
      ['GET', driverA.path(`/channels/${a.channelId}/deliveries?status=bogus`), undefined, /^status: /],
      ['GET', driverA.path('/dead-letters?status=bogus'), undefined, /^status: /],
      ['POST', driverA.path('/dead-letters/replay'), { ids: ['not-a-uuid'] }, /^ids: /],
      ['GET', driverA.path('/levels?limit=abc'), undefined, /^limit: /],
      ['GET', driverA.path('/events?from=yesterday'), undefined, /^from: /],
      ['GET', driverA.path('/events?cursor=%21%21'), undefined, /^cursor: /],
    ];
    const answers: string[] = [];
    for (const [method, path, body, field] of cases) {
      const res = await admin.request<ErrorBody>(method, path, body);
      const first = res.body?.error?.details?.[0] ?? res.body?.error?.message ?? '';
      answers.push(
        `${method} ${path} -> ${res.status === 400 && field.test(first) ? 'ok' : `${res.status} ${first}`}`,
      );
    }
    expect(answers.filter((x) => !x.endsWith('-> ok'))).toEqual([]);
  });

  it('describes the API at /docs with bearer auth', async () => {
    const doc = await admin.get<{ components: { securitySchemes: Record<string, unknown> } }>('/docs-json');
    expect(doc.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await fetch(`${relay.url}/docs`);
    expect(ui.status).toBe(200);
  });
});
