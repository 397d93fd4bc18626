import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startAgent, type AgentHandle } from '../../apps/agent/src/agent';
import { parseAgentEnv } from '../../apps/agent/src/config/agent-env';
import { startOdooSimulator, type OdooSimulator } from '../simulators/odoo/odoo-simulator';
import { startShopifySimulator, type ShopifySimulator } from '../simulators/shopify/shopify-simulator';
import { OdooTestClient } from '../support/odoo-test-client';

/**
 * The reconciliation bench's world outside the relay, in a child process of its own (as it is in production:
 * the agent beside Odoo on the customer's site, the channel on the internet): Odoo simulator, agent, Shopify
 * simulator. The bench process keeps the relay, so its timings and memory are the relay's. Driven over IPC.
 */

const BATCH = 2_000;
/** One product in this many drifts in Odoo (behind the agent) and one in this many in Shopify (by hand). */
export const DRIFT_EVERY = 200;
export const ARCHIVED = 10;
export const MARKER_SKU = 'REC-MARKER';
/** On-hand = free in WH; nothing in WH2 (its levels are zeros, still compared). Channel rule: the default. */
export const stockOf = (i: number): number => 1 + (i % 50);
export const skuOf = (i: number): string => `REC-${String(i).padStart(6, '0')}`;

export type SiteRequest =
  | { type: 'seed'; products: number }
  | { type: 'start-agent'; wsUrl: string; token: string; amqpUrl: string }
  | { type: 'marker'; onHand: number }
  | { type: 'drift' }
  | { type: 'corrected' }
  | { type: 'memory' }
  | { type: 'stop' };

export interface SeedReply {
  shopify: { url: string; accessToken: string; locationId: string };
  items: string[]; // Shopify inventory item id of product i
}

export interface DriftReply {
  odooDrift: number;
  shopifyDrift: number;
  archived: number;
}

class Site {
  private odoo: OdooSimulator | null = null;
  private client: OdooTestClient | null = null;
  private shopify: ShopifySimulator | null = null;
  private agent: AgentHandle | null = null;
  private productIds: number[] = [];
  private quantIds: number[] = [];
  private items: string[] = [];
  private markerCreated = false;
  private readonly expected = new Map<number, number>();
  private readonly stateDir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));

  async handle(req: SiteRequest): Promise<unknown> {
    switch (req.type) {
      case 'seed':
        return this.seed(req.products);
      case 'start-agent':
        return this.startAgent(req.wsUrl, req.token, req.amqpUrl);
      case 'marker':
        return this.marker(req.onHand);
      case 'drift':
        return this.drift();
      case 'corrected':
        return [...this.expected].every(([i, q]) => this.shopify?.quantityOf(this.items[i] ?? '') === q);
      case 'memory':
        return process.memoryUsage();
      case 'stop':
        return this.stop();
    }
  }

  private async seed(n: number): Promise<SeedReply> {
    this.odoo = await startOdooSimulator({ version: 17, seed: 'empty' });
    // Shopify's read budget would make 100,000 reads take minutes on any plan: the bucket is opened wide so
    // the run measures StockBridge (the bench's notes say so).
    this.shopify = await startShopifySimulator({ bucket: { maximumAvailable: 1e9, restoreRate: 1e9 } });
    const client = (this.client = await OdooTestClient.connect(
      this.odoo.url,
      this.odoo.db,
      this.odoo.login,
      this.odoo.apiKey,
    ));
    for (let i = 0; i < n; i += BATCH) {
      const vals = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({
        name: `Bench ${skuOf(i + k)}`,
        default_code: skuOf(i + k),
        type: 'product', // Odoo 17: storable
      }));
      await client.executeKw('product.template', 'create', [vals]);
    }
    for (let last = 0; ;) {
      const page = await client.executeKw<Array<{ id: number }>>(
        'product.product',
        'search_read',
        [[['id', '>', last]]],
        { fields: ['id'], order: 'id asc', limit: 10_000 },
      );
      this.productIds.push(...page.map((p) => p.id));
      const tail = page.at(-1);
      if (!tail || page.length < 10_000) break;
      last = tail.id;
    }
    if (this.productIds.length !== n)
      throw new Error(`the Odoo simulator holds ${this.productIds.length} products, not ${n}`);
    const wh = await client.warehouseByCode('WH');
    const context = { inventory_mode: true };
    for (let i = 0; i < n; i += BATCH) {
      const part = this.productIds.slice(i, i + BATCH);
      const ids = await client.executeKw<number[]>(
        'stock.quant',
        'create',
        [
          part.map((id, k) => ({
            product_id: id,
            location_id: wh.lotStockId,
            inventory_quantity: stockOf(i + k),
          })),
        ],
        { context },
      );
      await client.executeKw('stock.quant', 'action_apply_inventory', [ids], { context });
      this.quantIds.push(...ids);
    }
    const shopify = this.shopify;
    this.items = this.productIds.map((_, i) => shopify.addItem(skuOf(i), stockOf(i)));
    return {
      shopify: { url: shopify.url, accessToken: shopify.accessToken, locationId: shopify.locationId },
      items: this.items,
    };
  }

  private async startAgent(wsUrl: string, token: string, amqpUrl: string): Promise<void> {
    const odoo = this.odoo;
    if (!odoo) throw new Error('seed first');
    const env = parseAgentEnv({
      ODOO_URL: odoo.url,
      ODOO_DB: odoo.db,
      ODOO_USER: odoo.login,
      ODOO_API_KEY: odoo.apiKey,
      AMQP_URL: amqpUrl,
      RELAY_URL: wsUrl,
      AGENT_TOKEN: token,
      POLL_INTERVAL_MS: '2000',
      // No overlap: the bulk load would otherwise be read again by every poll for 10 minutes, and the Odoo-side
      // drift (direct SQL, no write_date) must stay invisible to the poll.
      ODOO_OVERLAP_MS: '0',
      AGENT_STATE_DIR: this.stateDir,
      AGENT_HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    });
    this.agent = await startAgent(env, { logger: pino({ level: 'error' }) });
  }

  /** A product counted through the ORM, like any day's work (created on first use): it moves the agent's cursors on. */
  private async marker(onHand: number): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('seed first');
    if (!this.markerCreated)
      await client.executeKw('product.template', 'create', [
        [{ name: 'Bench marker', default_code: MARKER_SKU, type: 'product' }],
      ]);
    this.markerCreated = true;
    await client.adjustInventory(MARKER_SKU, 'WH', onHand);
  }

  /** Drift the real-time layer cannot see: Odoo by direct SQL (no write_date), archives too; Shopify by hand. */
  private drift(): DriftReply {
    const odoo = this.odoo;
    const shopify = this.shopify;
    if (!odoo || !shopify) throw new Error('seed first');
    const n = this.productIds.length;
    let odooDrift = 0;
    let shopifyDrift = 0;
    for (let i = 0; i < n; i += DRIFT_EVERY) {
      const quant = this.quantIds[i];
      if (quant === undefined) continue;
      odoo.sqlUpdate('stock.quant', quant, { quantity: stockOf(i) + 7 });
      this.expected.set(i, stockOf(i) + 7);
      odooDrift++;
    }
    for (let i = DRIFT_EVERY / 2; i < n; i += DRIFT_EVERY) {
      shopify.setQuantity(this.items[i] ?? '', stockOf(i) + 3);
      this.expected.set(i, stockOf(i));
      shopifyDrift++;
    }
    for (let k = 0; k < ARCHIVED; k++) {
      const i = DRIFT_EVERY / 4 + k * Math.floor(n / ARCHIVED);
      odoo.sqlUpdate('product.product', this.productIds[i] ?? 0, { active: false });
      this.expected.set(i, 0);
    }
    return { odooDrift, shopifyDrift, archived: ARCHIVED };
  }

  async stop(): Promise<void> {
    await this.agent?.stop().catch(() => undefined);
    await this.shopify?.close().catch(() => undefined);
    await this.odoo?.close().catch(() => undefined);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** The child's side of the IPC: each request answered with {id, ok, value | error}. Only when forked as a script. */
if (require.main === module && process.send) {
  const site = new Site();
  process.on('message', (raw: { id: number; req: SiteRequest }) => {
    site.handle(raw.req).then(
      (value) => process.send?.({ id: raw.id, ok: true, value }),
      (err: unknown) =>
        process.send?.({ id: raw.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
    if (raw.req.type === 'stop') setTimeout(() => process.exit(0), 2_000).unref();
  });
  process.send({ ready: true });
}
