import { Client } from 'pg';
import { Chain } from '../../support/chain';
import { parsePrometheusText, valueOf, type Sample } from '../observability/prometheus-text';
import { waitFor } from '../../support/wait-for';

interface Run {
  id: string;
  trigger: string;
  startedAt: string;
  status: 'running' | 'ok' | 'failed';
  durationMs: number | null;
  productsChecked: number;
  levelsChecked: number;
  listingsChecked: number;
  relayCorrections: number;
  channelCorrections: Record<string, number>;
  zeroResends: Record<string, number>;
  errors: string[];
  correctionsRatio: number | null;
  snapshots?: Array<{
    agentId: string;
    status: string;
    attempts: number;
    levels: number;
    lastProductId: number;
  }>;
}

/**
 * Reconciliation end to end: Odoo simulator -> agent -> relay -> Shopify simulator, every part real. The drifts
 * are ones the real-time layer cannot see: a merchant's edit in Shopify, and Odoo changes made behind the ORM
 * (a direct SQL UPDATE moves no write_date, so no poll ever reads them), while the agent was stopped.
 */
describe('reconciliation', () => {
  let chain: Chain;
  let db: Client;
  const saved: Record<string, string | undefined> = {};

  const setEnv = (values: Record<string, string>): void => {
    for (const [k, v] of Object.entries(values)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  };

  beforeAll(async () => {
    // The relay reads these from process.env: no scheduled run in the middle of a test; small chunks, so a
    // catalogue of a few products still streams in several chunks and a cut can fall between two of them.
    setEnv({
      RECONCILE_SCHEDULER_TICK_MS: '0',
      RECONCILE_SNAPSHOT_PAGE_SIZE: '2',
      RECONCILE_SNAPSHOT_TIMEOUT_MS: '20000',
    });
    chain = await new Chain().start();
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    await chain.converged();
    // Everyday activity moves the agent's cursors past the seed (a day old): from now on a row the ORM did not
    // write falls outside the poll's overlap window, as it would in a live Odoo, so a direct SQL change is missed.
    await chain.odooClient.adjustInventory('LAMP', 'WH', 6);
    await chain.odooClient.executeKw('product.product', 'write', [
      [await productId('LAMP')],
      { barcode: '4006381333931' },
    ]);
    await chain.converged();
    await afterSomePolls();
  });
  afterAll(async () => {
    await db?.end();
    await chain?.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const runsPath = (): string => `/api/v1/tenants/${chain.tenantId}/reconciliation-runs`;
  const startRun = async (): Promise<string> => {
    const res = await chain.admin.request<Run>('POST', runsPath());
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ trigger: 'api', status: 'running' });
    return res.body.id;
  };
  const finished = (id: string, timeoutMs = 60_000): Promise<Run> =>
    waitFor(
      `reconciliation run ${id} to finish`,
      async () => {
        const run = await chain.admin.get<Run>(`${runsPath()}/${id}`);
        return run.status === 'running' ? undefined : run;
      },
      { timeoutMs, intervalMs: 100 },
    );
  const productId = (sku: string): Promise<number> => chain.odooClient.productIdBySku(sku);
  /** The quant of a product in a warehouse's stock location, as stock.quant search_read shows it. */
  const quantOf = async (sku: string, warehouse: string): Promise<{ id: number; quantity: number }> => {
    const [pid, wh] = await Promise.all([productId(sku), chain.odooClient.warehouseByCode(warehouse)]);
    const [quant] = await chain.odooClient.executeKw<Array<{ id: number; quantity: number }>>(
      'stock.quant',
      'search_read',
      [
        [
          ['product_id', '=', pid],
          ['location_id', '=', wh.lotStockId],
        ],
      ],
      { fields: ['quantity'] },
    );
    if (!quant) throw new Error(`no quant of ${sku} in ${warehouse}`);
    return quant;
  };
  const odooSim = () => {
    if (!chain.odooSim) throw new Error('these tests need the Odoo simulator (a direct SQL write)');
    return chain.odooSim;
  };
  /** Lets the agent run a few polls, so a change it could see would have reached Shopify by now. */
  const afterSomePolls = async (): Promise<void> => {
    const since = Date.now();
    await waitFor('three more successful polls', () => {
      const last = chain.agent?.status().capture.lastSuccessAt;
      return last !== null && last !== undefined && last.getTime() > since + 900;
    });
  };

  it('corrects a hand edit in Shopify, a stock change and an archive made behind the agent, counts them; a second run corrects nothing', async () => {
    const shopifyBefore = { mugRed: chain.shopifyQuantity('MUG-RED'), cap: chain.shopifyQuantity('CAP') };
    await chain.stopAgent();
    // While the agent is stopped, Odoo changes by direct SQL: MUG-RED in WH drops to 7, CAP is archived.
    const mugRed = await quantOf('MUG-RED', 'WH');
    odooSim().sqlUpdate('stock.quant', mugRed.id, { quantity: 7 });
    odooSim().sqlUpdate('product.product', await productId('CAP'), { active: false });
    await chain.startAgent();
    await afterSomePolls();
    expect(chain.shopifyQuantity('MUG-RED')).toBe(shopifyBefore.mugRed); // the real-time layer did not see them
    expect(chain.shopifyQuantity('CAP')).toBe(shopifyBefore.cap);
    // The merchant edits TEE-S by hand in Shopify.
    const teeS = chain.shopify.itemIdBySku('TEE-S') ?? '';
    const teeSExpected = chain.shopifyQuantity('TEE-S');
    chain.shopify.setQuantity(teeS, 99);

    const metrics = async (): Promise<Sample[]> =>
      parsePrometheusText(await (await fetch(`${chain.relay.url}/metrics`)).text());
    const before = await metrics();
    const first = await finished(await startRun());
    expect(first).toMatchObject({
      status: 'ok',
      errors: [],
      // MUG-RED in WH, CAP in WH and WH2 (inactive now: Shopify shows 0)
      relayCorrections: 3,
      channelCorrections: { [chain.channelId]: 1 }, // TEE-S; MUG-RED and CAP were already being pushed
      // 8 tracked products in 2 warehouses listed by the snapshot, and CAP's 2 levels found absent
      productsChecked: 9,
      levelsChecked: 18,
    });
    expect(first.listingsChecked).toBeGreaterThan(0);
    expect(first.correctionsRatio).toBeCloseTo(4 / (18 + first.listingsChecked), 6);
    expect(first.snapshots).toEqual([
      expect.objectContaining({ status: 'complete', attempts: 1, levels: 16 }),
    ]);
    expect(first.durationMs).toBeGreaterThan(0);

    // The run's corrections are what operators see on /metrics.
    const after = await metrics();
    const delta = (where: string): number =>
      (valueOf(after, 'relay_reconcile_corrections_total', { where }) ?? 0) -
      (valueOf(before, 'relay_reconcile_corrections_total', { where }) ?? 0);
    expect({ relay: delta('relay'), channel: delta('channel') }).toEqual({ relay: 3, channel: 1 });
    expect(valueOf(after, 'relay_reconcile_corrections_ratio', { tenant: chain.tenantId })).toBeCloseTo(
      first.correctionsRatio ?? -1,
      6,
    );

    const rows = await chain.converged();
    expect(rows.find((r) => r.sku === 'MUG-RED')).toEqual({ sku: 'MUG-RED', odoo: 7, shopify: 7 });
    expect(rows.find((r) => r.sku === 'CAP')).toEqual({ sku: 'CAP', odoo: 0, shopify: 0 });
    expect(chain.shopifyQuantity('TEE-S')).toBe(teeSExpected);

    const second = await finished(await startRun());
    expect(second).toMatchObject({
      status: 'ok',
      errors: [],
      relayCorrections: 0,
      channelCorrections: { [chain.channelId]: 0 },
      zeroResends: { [chain.channelId]: 0 },
      correctionsRatio: 0,
    });
    // Every listing is clean again, so the second run compared them all.
    expect(second.listingsChecked).toBe(chain.skus.length);

    const page = await chain.admin.get<{ items: Run[]; nextCursor: string | null }>(`${runsPath()}?limit=1`);
    expect(page.items.map((r) => r.id)).toEqual([second.id]); // newest first
    const next = await chain.admin.get<{ items: Run[] }>(
      `${runsPath()}?limit=1&cursor=${encodeURIComponent(page.nextCursor ?? '')}`,
    );
    expect(next.items.map((r) => r.id)).toEqual([first.id]);
    const ids = async (query: string): Promise<string[]> =>
      (await chain.admin.get<{ items: Run[] }>(`${runsPath()}?${query}`)).items.map((r) => r.id);
    expect(await ids('trigger=api&status=ok')).toEqual([second.id, first.id]);
    expect(await ids('status=failed')).toEqual([]);
    expect(await ids('trigger=schedule')).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(second.startedAt)}`)).toEqual([second.id]);
    expect(await ids(`to=${encodeURIComponent(second.startedAt)}`)).toEqual([first.id]);
    const bad = await chain.admin.request<{ error: { details?: string[] } }>(
      'GET',
      `${runsPath()}?status=done`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.join(' ')).toMatch(/status/);
  });

  it('a snapshot cut by a dropped connection resumes after what the relay stored and ends correct', async () => {
    // 60 more storable products: the agent reads Odoo a few pages at a time, so the stream lasts long enough
    // to be cut in the middle once Odoo answers slowly.
    const extra = Array.from({ length: 60 }, (_, i) => ({
      name: `Extra ${i}`,
      default_code: `EXTRA-${i}`,
      type: 'product',
    }));
    await chain.odooClient.executeKw('product.template', 'create', [extra]);
    await waitFor('the relay to hold the new products', async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM stock_levels WHERE tenant_id = $1 AND sku LIKE 'EXTRA-%'`,
        [chain.tenantId],
      );
      return rows[0]?.n === 120;
    });
    await chain.converged();
    // SOCKS in WH drops from 100 to 55 behind the ORM; the GIFT-SET kit (1 MUG-BLUE + 2 SOCKS) follows it.
    const socks = await quantOf('SOCKS', 'WH');
    odooSim().sqlUpdate('stock.quant', socks.id, { quantity: socks.quantity - 45 });
    odooSim().setResponseDelay(250); // three Odoo calls a chunk: the snapshot takes a few seconds
    try {
      const id = await startRun();
      const again = await chain.admin.request<{ error: { code: string } }>('POST', runsPath());
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('RECONCILIATION_RUNNING');
      const progress: Array<{ attempt: number; last: number }> = [];
      const sample = async (): Promise<{ attempt: number; last: number; status: string } | undefined> => {
        const { rows } = await db.query<{ attempt: number; last: string; status: string }>(
          `SELECT attempt, last_product_id::text AS last, status FROM reconciliation_snapshots WHERE run_id = $1`,
          [id],
        );
        const row = rows[0];
        if (!row) return undefined;
        progress.push({ attempt: row.attempt, last: Number(row.last) });
        return { attempt: row.attempt, last: Number(row.last), status: row.status };
      };
      const cutAt = await waitFor('a first chunk stored', async () => {
        const s = await sample();
        return s && s.status === 'streaming' && s.last > 0 ? s : undefined;
      });
      expect(chain.proxy.cutAll()).toBeGreaterThan(0); // the agent's socket drops mid-snapshot
      await waitFor('the resumed attempt', async () => {
        const s = await sample();
        return s && s.attempt > cutAt.attempt ? s : undefined;
      });
      odooSim().setResponseDelay(0);
      const run = await finished(id);
      expect(run).toMatchObject({ status: 'ok', errors: [], relayCorrections: 2 }); // SOCKS and GIFT-SET in WH
      expect(run.snapshots?.[0]).toMatchObject({ status: 'complete', levels: 136 }); // nothing twice, nothing lost
      expect(run.snapshots?.[0]?.attempts).toBeGreaterThanOrEqual(2);
      // Resumed, not restarted: what the relay had stored was never given up.
      const lasts = progress.map((p) => p.last);
      expect(lasts).toEqual([...lasts].sort((a, b) => a - b));
      const rows = await chain.converged();
      expect(rows.find((r) => r.sku === 'SOCKS')?.shopify).toBe(rows.find((r) => r.sku === 'SOCKS')?.odoo);
      expect(rows.find((r) => r.sku === 'GIFT-SET')?.shopify).toBe(
        rows.find((r) => r.sku === 'GIFT-SET')?.odoo,
      );
    } finally {
      odooSim().setResponseDelay(0);
    }
  });

  it('sends a sold-out 0 again once its last push is older than the tenant zero re-send age', async () => {
    await chain.converged();
    const settingsPath = `/api/v1/tenants/${chain.tenantId}/reconciliation-settings`;
    const bad = await chain.admin.request<{ error: { code: string; details?: string[] } }>(
      'PATCH',
      settingsPath,
      {
        zeroResendAgeMinutes: 0,
      },
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/zeroResendAgeMinutes/);
    expect(await chain.admin.request('PATCH', settingsPath, { zeroResendAgeMinutes: 60 })).toMatchObject({
      status: 200,
      body: { intervalMinutes: 60, zeroResendAgeMinutes: 60 },
    });
    // CAP shows 0 (archived); its 0 was pushed two days ago as far as the relay knows.
    await db.query(
      `UPDATE listings SET last_pushed_at = now() - interval '2 days' WHERE channel_id = $1 AND sku = 'CAP'`,
      [chain.channelId],
    );
    const capItem = chain.shopify.itemIdBySku('CAP') ?? '';
    const pushesBefore = chain.shopify.history(capItem).length;
    const run = await finished(await startRun());
    expect(run).toMatchObject({
      status: 'ok',
      channelCorrections: { [chain.channelId]: 0 },
      zeroResends: { [chain.channelId]: 1 },
    });
    await waitFor('the 0 pushed again', () => chain.shopify.history(capItem).length > pushesBefore);
    expect(chain.shopify.history(capItem).at(-1)).toBe(0);
  });

  it('records what it could not check: an agent that is not connected', async () => {
    await chain.stopAgent();
    try {
      await waitFor('the relay to see the agent gone', async () => {
        const { rows } = await db.query<{ connected: boolean }>(
          `SELECT connected FROM agents WHERE tenant_id = $1`,
          [chain.tenantId],
        );
        return rows.every((r) => !r.connected);
      });
      const run = await finished(await startRun());
      expect(run.status).toBe('failed');
      expect(run.errors).toEqual([expect.stringMatching(/^agent warehouse-site \(.+\) is not connected/)]);
      expect(run.listingsChecked).toBe(chain.skus.length); // the channel was still read back
      expect(run.snapshots).toEqual([]);
    } finally {
      await chain.startAgent();
    }
    const missing = await chain.admin.request<{ error: { code: string } }>(
      'GET',
      `${runsPath()}/00000000-0000-4000-8000-000000000000`,
    );
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'RECONCILIATION_RUN_NOT_FOUND' } } });
  });
});
