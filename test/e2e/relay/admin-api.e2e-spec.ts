import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { CredentialsCipher } from '../../../apps/relay/src/channels/credentials.cipher';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import { AdminClient } from '../../support/admin-client';
import { connectAgent } from '../../support/agent-socket';
import { waitFor } from '../../support/wait-for';

const ADMIN_API_KEY = 'relay-e2e-admin-key-abcdefghijkl';
const RELAY_SECRET_KEY = Buffer.alloc(32, 9).toString('base64');
const ACCESS_TOKEN = 'shpat_e2e_do_not_leak_0123456789';

type ErrorBody = { error: { code: string; message: string; details?: string[] } };

const shopifyChannel = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'Main store',
  kind: 'shopify',
  config: {
    shopUrl: 'https://example.myshopify.com',
    apiVersion: '2026-04',
    locationId: 'gid://shopify/Location/1',
  },
  credentials: { accessToken: ACCESS_TOKEN },
  paused: true, // no store behind it: these tests watch the API and the database only
  ...over,
});

describe('admin REST API /api/v1', () => {
  let relay: RunningRelay;
  let admin: AdminClient;
  let db: Client;
  let tenantId: string;

  const raw = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${relay.url}${path}`, init);

  beforeAll(async () => {
    relay = await startRelay({ port: 0, env: { ADMIN_API_KEY, RELAY_SECRET_KEY, LOG_LEVEL: 'error' } });
    admin = new AdminClient(relay.url, ADMIN_API_KEY);
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    tenantId = (await admin.post<{ id: string }>('/api/v1/tenants', { name: 'admin-e2e' })).id;
  });

  afterAll(async () => {
    await db?.end();
    await relay?.close();
  });

  describe('authentication', () => {
    it('answers 401 without a key or with a wrong one, and accepts Bearer or X-Api-Key', async () => {
      const none = await raw(`/api/v1/tenants/${tenantId}`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
      expect(
        (await raw(`/api/v1/tenants/${tenantId}`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      expect(
        (await raw(`/api/v1/tenants/${tenantId}`, { headers: { 'x-api-key': ADMIN_API_KEY } })).status,
      ).toBe(200);
      expect(
        (
          await raw('/api/v1/tenants', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      ).toBe(401);
    });

    it('keeps health probes open', async () => {
      expect(await (await raw('/healthz')).json()).toEqual({ status: 'ok' });
      const ready = await raw('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
    });
  });

  describe('validation', () => {
    it('answers 400 naming each bad field', async () => {
      const missing = await admin.request<ErrorBody>('POST', '/api/v1/tenants', {});
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('VALIDATION_FAILED');
      expect(missing.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^name: /)]));

      const extra = await admin.request<ErrorBody>('POST', '/api/v1/tenants', { name: 'x', plan: 'gold' });
      expect(extra.status).toBe(400);
      expect(extra.body.error.details).toEqual(['plan: property plan should not exist']);

      const rule = await admin.request<ErrorBody>(
        'POST',
        `/api/v1/tenants/${tenantId}/channels`,
        shopifyChannel({ kind: 'etsy', rule: { allocation: 2, source: null } }),
      );
      expect(rule.status).toBe(400);
      expect(rule.body.error.details).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^kind: /),
          expect.stringMatching(/^rule\.allocation: /),
          expect.stringMatching(/^rule\.source: /),
        ]),
      );
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await raw('/api/v1/tenants', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_API_KEY}`, 'content-type': 'application/json' },
        body: '{"name":',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/^body: expected valid JSON/) },
      });
    });

    it('names the channel setting that is wrong for its kind', async () => {
      const res = await admin.request<ErrorBody>(
        'POST',
        `/api/v1/tenants/${tenantId}/channels`,
        shopifyChannel({ config: { shopUrl: 'ftp://nope', apiVersion: 'latest' }, credentials: {} }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_CHANNEL_CONFIG');
      expect(res.body.error.details).toEqual([
        'config.shopUrl: expected an http(s) URL such as https://my-shop.myshopify.com',
        'config.apiVersion: expected a Shopify API version such as 2026-04',
        'config.locationId: expected a Shopify location id',
        'credentials.accessToken: expected the Admin API access token',
      ]);
    });

    it('answers 404 for unknown or malformed tenant ids, unknown routes and other tenants’ channels', async () => {
      const unknown = await admin.request<ErrorBody>(
        'GET',
        '/api/v1/tenants/00000000-0000-4000-8000-000000000000',
      );
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
      const malformed = await admin.request<ErrorBody>('GET', '/api/v1/tenants/not-a-uuid/agents');
      expect(malformed).toMatchObject({ status: 404, body: { error: { code: 'TENANT_NOT_FOUND' } } });
      expect((await admin.request<ErrorBody>('GET', '/api/v1/nothing-here')).status).toBe(404);

      const other = await admin.post<{ id: string }>('/api/v1/tenants', { name: 'other' });
      const channel = await admin.post<{ id: string }>(
        `/api/v1/tenants/${other.id}/channels`,
        shopifyChannel(),
      );
      const cross = await admin.request<ErrorBody>(
        'GET',
        `/api/v1/tenants/${tenantId}/channels/${channel.id}`,
      );
      expect(cross).toMatchObject({ status: 404, body: { error: { code: 'CHANNEL_NOT_FOUND' } } });
    });
  });

  describe('tenants and agents', () => {
    it('creates and reads a tenant', async () => {
      const created = await admin.post<{ id: string; name: string; createdAt: string }>('/api/v1/tenants', {
        name: 'Acme',
      });
      expect(created).toEqual({ id: expect.any(String), name: 'Acme', createdAt: expect.any(String) });
      expect(await admin.get(`/api/v1/tenants/${created.id}`)).toEqual(created);
    });

    it('returns an agent token once and stores only its hash', async () => {
      const created = await admin.post<{ id: string; token: string; tokenPrefix: string }>(
        `/api/v1/tenants/${tenantId}/agents`,
        { name: 'Warehouse A' },
      );
      expect(created.token).toMatch(/^sba_[A-Za-z0-9_-]{43}$/);
      expect(created.token.startsWith(created.tokenPrefix)).toBe(true);
      const read = await admin.get<Record<string, unknown>>(
        `/api/v1/tenants/${tenantId}/agents/${created.id}`,
      );
      expect(read).not.toHaveProperty('token');
      expect(read).toMatchObject({
        name: 'Warehouse A',
        revokedAt: null,
        status: { connected: false, lastSeenAt: null, outboxDepth: 0, agentVersion: null, odooVersion: null },
      });
      const list = await admin.get<{ items: Array<Record<string, unknown>> }>(
        `/api/v1/tenants/${tenantId}/agents`,
      );
      expect(list.items.map((a) => a['id'])).toContain(created.id);
      expect(JSON.stringify(list)).not.toContain(created.token);
      const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM agents WHERE id = $1', [
        created.id,
      ]);
      expect(rows[0]?.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
      expect((await admin.request('GET', `/api/v1/tenants/${tenantId}/agents/${tenantId}`)).status).toBe(404);
    });
  });

  describe('paging and filters', () => {
    type Page = { items: Array<{ id: string; name: string }>; nextOffset: number | null };
    const names = (page: Page): string[] => page.items.map((item) => item.name);

    it('pages agents and filters them by revoked and connected', async () => {
      const tenant = (await admin.post<{ id: string }>('/api/v1/tenants', { name: 'paging' })).id;
      const path = `/api/v1/tenants/${tenant}/agents`;
      const created: Array<{ id: string; token: string }> = [];
      for (const name of ['online', 'idle', 'gone'])
        created.push(await admin.post<{ id: string; token: string }>(path, { name }));
      const [first, , third] = created;
      if (!first || !third) throw new Error('agents not created');
      await admin.post(`${path}/${third.id}/revoke`, {});
      const socket = await connectAgent(`${relay.url.replace(/^http/, 'ws')}/agent`, first.token);
      try {
        await waitFor(
          'the agent shown as connected',
          async () =>
            (await admin.get<{ status: { connected: boolean } }>(`${path}/${first.id}`)).status.connected,
        );
        const page1 = await admin.get<Page>(`${path}?limit=2`);
        expect([names(page1), page1.nextOffset]).toEqual([['online', 'idle'], 2]);
        const page2 = await admin.get<Page>(`${path}?limit=2&offset=2`);
        expect([names(page2), page2.nextOffset]).toEqual([['gone'], null]);
        expect(names(await admin.get<Page>(`${path}?revoked=true`))).toEqual(['gone']);
        expect(names(await admin.get<Page>(`${path}?revoked=false`))).toEqual(['online', 'idle']);
        expect(names(await admin.get<Page>(`${path}?connected=true`))).toEqual(['online']);
        expect(names(await admin.get<Page>(`${path}?connected=false`))).toEqual(['idle', 'gone']);
      } finally {
        socket.ws.close();
      }
      const bad = await admin.request<ErrorBody>('GET', `${path}?connected=yes&limit=0`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details?.join(' ')).toMatch(/connected/);
      expect(bad.body.error.details?.join(' ')).toMatch(/limit/);
    });

    it('pages channels and filters them by kind and paused', async () => {
      const tenant = (await admin.post<{ id: string }>('/api/v1/tenants', { name: 'paging' })).id;
      const path = `/api/v1/tenants/${tenant}/channels`;
      await admin.post(path, shopifyChannel({ name: 'shop one' }));
      const running = await admin.post<{ id: string }>(path, shopifyChannel({ name: 'shop two' }));
      await admin.post(path, {
        name: 'hook',
        kind: 'webhook',
        config: { url: 'https://hooks.example.com/stock' },
        credentials: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
        paused: true,
      });
      // No listings behind it, so resuming pushes nothing.
      await admin.post(`${path}/${running.id}/resume`, {});
      const page1 = await admin.get<Page>(`${path}?limit=2`);
      expect([names(page1), page1.nextOffset]).toEqual([['shop one', 'shop two'], 2]);
      expect(names(await admin.get<Page>(`${path}?limit=2&offset=2`))).toEqual(['hook']);
      expect(names(await admin.get<Page>(`${path}?kind=shopify`))).toEqual(['shop one', 'shop two']);
      expect(names(await admin.get<Page>(`${path}?paused=false`))).toEqual(['shop two']);
      expect(names(await admin.get<Page>(`${path}?kind=webhook&paused=true`))).toEqual(['hook']);
      const bad = await admin.request<ErrorBody>('GET', `${path}?kind=etsy`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details?.join(' ')).toMatch(/kind/);
    });
  });

  describe('channels and listings', () => {
    it('stores credentials encrypted and never returns them', async () => {
      const created = await admin.post<Record<string, unknown> & { id: string }>(
        `/api/v1/tenants/${tenantId}/channels`,
        shopifyChannel({ rule: { buffer: 2 } }),
      );
      expect(created).toMatchObject({
        kind: 'shopify',
        paused: true,
        rule: { source: 'free', buffer: 2, allocation: 1, max: null, min: 0, warehouses: null },
      });
      const responses = [
        created,
        await admin.get(`/api/v1/tenants/${tenantId}/channels/${created.id}`),
        await admin.get(`/api/v1/tenants/${tenantId}/channels`),
        await admin.request('PATCH', `/api/v1/tenants/${tenantId}/channels/${created.id}`, {
          credentials: { accessToken: `${ACCESS_TOKEN}-rotated` },
        }),
      ];
      for (const body of responses) {
        expect(JSON.stringify(body)).not.toContain(ACCESS_TOKEN);
        expect(JSON.stringify(body)).not.toContain('credentials');
      }
      const { rows } = await db.query<{ credentials_encrypted: string }>(
        'SELECT credentials_encrypted FROM channels WHERE id = $1',
        [created.id],
      );
      const stored = rows[0]?.credentials_encrypted ?? '';
      expect(stored).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
      expect(stored).not.toContain(ACCESS_TOKEN);
      expect(new CredentialsCipher(RELAY_SECRET_KEY).decrypt(stored)).toEqual({
        accessToken: `${ACCESS_TOKEN}-rotated`,
      });
    });

    it('creates listings dirty, refuses a duplicate SKU, pages by cursor or offset, filters by SKU, deletes', async () => {
      const channel = await admin.post<{ id: string }>(
        `/api/v1/tenants/${tenantId}/channels`,
        shopifyChannel(),
      );
      const base = `/api/v1/tenants/${tenantId}/channels/${channel.id}/listings`;
      const first = await admin.post<{ id: string; dirty: boolean; sku: string }>(base, {
        sku: 'P-1',
        externalId: 'gid://shopify/InventoryItem/1',
        ruleOverride: { buffer: 1 },
      });
      expect(first).toMatchObject({ sku: 'P-1', dirty: true, ruleOverride: { buffer: 1 }, extra: {} });
      for (const sku of ['P-5', 'P-3', 'P-2', 'P-4']) {
        await admin.post(base, { sku, externalId: `gid://shopify/InventoryItem/${sku}` });
      }
      const dup = await admin.request<ErrorBody>('POST', base, { sku: 'P-1', externalId: 'x' });
      expect(dup).toMatchObject({ status: 409, body: { error: { code: 'LISTING_EXISTS' } } });

      type Page = { items: Array<{ sku: string }>; nextCursor: string | null };
      const skus: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await admin.get<Page>(`${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        skus.push(...page.items.map((l) => l.sku));
        cursor = page.nextCursor;
      } while (cursor);
      expect(skus).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-5']);
      expect((await admin.get<Page>(`${base}?limit=2&offset=3`)).items.map((l) => l.sku)).toEqual([
        'P-4',
        'P-5',
      ]);
      expect((await admin.get<Page>(`${base}?sku=P-3`)).items.map((l) => l.sku)).toEqual(['P-3']);
      const badLimit = await admin.request<ErrorBody>('GET', `${base}?limit=0`);
      expect(badLimit.status).toBe(400);
      expect(badLimit.body.error.details?.[0]).toMatch(/^limit: /);
      expect((await admin.request('GET', `${base}?cursor=garbage`)).status).toBe(400);

      expect((await admin.request('DELETE', `${base}/${first.id}`)).status).toBe(204);
      expect(await admin.request('DELETE', `${base}/${first.id}`)).toMatchObject({
        status: 404,
        body: { error: { code: 'LISTING_NOT_FOUND' } },
      });
    });

    it('marks every listing of a channel dirty when its rule changes', async () => {
      const channel = await admin.post<{ id: string }>(
        `/api/v1/tenants/${tenantId}/channels`,
        shopifyChannel(),
      );
      const base = `/api/v1/tenants/${tenantId}/channels/${channel.id}`;
      await admin.post(`${base}/listings`, { sku: 'R-1', externalId: 'gid://shopify/InventoryItem/11' });
      await admin.post(`${base}/listings`, { sku: 'R-2', externalId: 'gid://shopify/InventoryItem/12' });
      const seqs = async (): Promise<number[]> =>
        (
          await db.query<{ n: string }>(
            'SELECT dirty_seq AS n FROM listings WHERE channel_id = $1 ORDER BY sku',
            [channel.id],
          )
        ).rows.map((r) => Number(r.n));
      expect(await seqs()).toEqual([1, 1]);

      const patched = await admin.request<{ rule: Record<string, unknown> }>('PATCH', base, {
        rule: { allocation: 0.5 },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.rule).toMatchObject({ allocation: 0.5, source: 'free', buffer: 0 });
      expect(await seqs()).toEqual([2, 2]);

      await admin.request('PATCH', base, { name: 'Renamed' }); // not a rule change: no re-push
      expect(await seqs()).toEqual([2, 2]);
    });
  });

  it('pages stored levels, filtered by an exact SKU', async () => {
    expect(await admin.get(`/api/v1/tenants/${tenantId}/levels`)).toEqual({ items: [], nextOffset: null });
    const bad = await admin.request<ErrorBody>('GET', `/api/v1/tenants/${tenantId}/levels?sku=`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.[0]).toMatch(/^sku: /);
    expect(await admin.get(`/api/v1/tenants/${tenantId}/levels?sku=NONE`)).toEqual({
      items: [],
      nextOffset: null,
    });
  });
});
