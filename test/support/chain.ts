import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { startAgent, type AgentHandle } from '../../apps/agent/src/agent';
import { parseAgentEnv } from '../../apps/agent/src/config/agent-env';
import { startRelay } from '../../apps/relay/src/relay';
import { startOdooSimulator, type OdooSimulator } from '../simulators/odoo/odoo-simulator';
import { startShopifySimulator, type ShopifySimulator } from '../simulators/shopify/shopify-simulator';
import { AdminClient } from './admin-client';
import { OdooTestClient } from './odoo-test-client';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { waitFor } from './wait-for';

export const ADMIN_API_KEY = 'e2e-admin-key-0123456789abcdef';
export const RELAY_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

type Relay = Awaited<ReturnType<typeof startRelay>>;

export interface OdooConnection {
  url: string;
  db: string;
  login: string;
  apiKey: string;
}

export interface ChainOptions {
  odooVersion?: 16 | 17 | 18 | 19;
  /** A real Odoo to use instead of the simulator. */
  odoo?: OdooConnection;
  skus?: string[];
  pollIntervalMs?: number;
  databaseUrl?: string; // default: DATABASE_URL from the e2e global setup
  amqpUrl?: string; // default: AMQP_URL from the e2e global setup
  logLevel?: string;
  /** The agent's logger (default: pino at logLevel on stdout). */
  agentLogger?: Logger;
  /** Where the relay's JSON lines go (default: stdout). */
  relayLogDestination?: DestinationStream;
}

/**
 * The whole chain in one process, every part real: Odoo simulator → agent → RabbitMQ outbox → WebSocket (through a
 * TCP proxy the test can cut) → relay → PostgreSQL → push queues → Shopify simulator.
 */
export class Chain {
  odooSim: OdooSimulator | null = null;
  odoo!: OdooConnection;
  odooClient!: OdooTestClient;
  shopify!: ShopifySimulator;
  relay!: Relay;
  admin!: AdminClient;
  agent: AgentHandle | null = null;
  proxy!: TcpProxy;
  tenantId!: string;
  agentToken!: string;
  channelId!: string;
  skus: string[];
  private readonly stateDir = mkdtempSync(join(tmpdir(), 'stockbridge-agent-'));
  private relayPort = 0;
  private warehouseIds: number[] | undefined;

  constructor(private readonly options: ChainOptions = {}) {
    this.skus =
      options.skus ??
      (options.odoo ? [] : ['MUG-BLUE', 'MUG-RED', 'TEE-S', 'TEE-M', 'CAP', 'SOCKS', 'GIFT-SET']);
  }

  async start(): Promise<this> {
    if (this.options.odoo) {
      this.odoo = this.options.odoo;
    } else {
      this.odooSim = await startOdooSimulator({ version: this.options.odooVersion ?? 17 });
      this.odoo = this.odooSim;
    }
    this.odooClient = await OdooTestClient.connect(
      this.odoo.url,
      this.odoo.db,
      this.odoo.login,
      this.odoo.apiKey,
    );
    if (this.skus.length === 0) this.skus = await storableSkus(this.odooClient);
    this.shopify = await startShopifySimulator();
    for (const sku of this.skus) this.shopify.addItem(sku, 0);
    await this.startRelay();
    this.admin = new AdminClient(this.relay.url, ADMIN_API_KEY);
    const tenant = await this.admin.post<{ id: string }>('/api/v1/tenants', { name: `tenant-${Date.now()}` });
    this.tenantId = tenant.id;
    const agent = await this.admin.post<{ id: string; token: string }>(
      `/api/v1/tenants/${tenant.id}/agents`,
      {
        name: 'warehouse-site',
      },
    );
    this.agentToken = agent.token;
    const channel = await this.admin.post<{ id: string }>(`/api/v1/tenants/${tenant.id}/channels`, {
      name: 'Shopify store',
      kind: 'shopify',
      config: { shopUrl: this.shopify.url, apiVersion: '2026-04', locationId: this.shopify.locationId },
      credentials: { accessToken: this.shopify.accessToken },
    });
    this.channelId = channel.id;
    for (const sku of this.skus) {
      await this.admin.post(`/api/v1/tenants/${tenant.id}/channels/${channel.id}/listings`, {
        sku,
        externalId: this.shopify.itemIdBySku(sku),
      });
    }
    this.proxy = await startTcpProxy('127.0.0.1', this.relayPort);
    await this.startAgent();
    return this;
  }

  async startRelay(): Promise<void> {
    this.relay = await startRelay({
      port: this.relayPort, // the same port after a restart, so the proxy keeps pointing at it
      logDestination: this.options.relayLogDestination,
      env: {
        DATABASE_URL: this.options.databaseUrl ?? required('DATABASE_URL'),
        AMQP_URL: this.amqpUrl(),
        ADMIN_API_KEY,
        RELAY_SECRET_KEY,
        LOG_LEVEL: this.options.logLevel ?? 'warn',
        PUSH_SWEEP_INTERVAL_MS: '500',
        PUSH_BACKOFF_BASE_MS: '200',
        PUSH_BACKOFF_MAX_MS: '2000',
      },
    });
    this.relayPort = this.relay.port;
  }

  async stopRelay(): Promise<void> {
    await this.relay.close();
  }

  async startAgent(): Promise<void> {
    const env = parseAgentEnv({
      ODOO_URL: this.odoo.url,
      ODOO_DB: this.odoo.db,
      ODOO_USER: this.odoo.login,
      ODOO_API_KEY: this.odoo.apiKey,
      AMQP_URL: this.amqpUrl(),
      RELAY_URL: `ws://127.0.0.1:${this.proxy.port}/agent`,
      AGENT_TOKEN: this.agentToken,
      POLL_INTERVAL_MS: String(this.options.pollIntervalMs ?? 300),
      AGENT_STATE_DIR: this.stateDir,
      AGENT_HTTP_PORT: '0',
      LOG_LEVEL: this.options.logLevel ?? 'warn',
    });
    this.agent = await startAgent(env, {
      logger: this.options.agentLogger ?? pino({ level: this.options.logLevel ?? 'warn' }),
    });
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = null;
  }

  private amqpUrl(): string {
    return this.options.amqpUrl ?? required('AMQP_URL');
  }

  /**
   * Odoo's free quantity of a SKU, summed over the warehouses one by one (the default channel rule); 0 once archived.
   * Per warehouse matters for kits: a kit cannot be built from components lying in two different warehouses.
   */
  async odooFree(sku: string): Promise<number> {
    this.warehouseIds ??= (
      await this.odooClient.executeKw<Array<{ id: number }>>('stock.warehouse', 'search_read', [[]], {
        fields: ['id'],
      })
    ).map((w) => w.id);
    let total = 0;
    for (const warehouseId of this.warehouseIds) {
      const [product] = await this.odooClient.executeKw<Array<{ free_qty: number; active: boolean }>>(
        'product.product',
        'search_read',
        [[['default_code', '=', sku]]],
        {
          fields: ['free_qty', 'active'],
          context: { active_test: false, warehouse: warehouseId, warehouse_id: warehouseId },
        },
      );
      if (!product?.active) return 0;
      total += product.free_qty;
    }
    return Math.max(0, Math.floor(total));
  }

  shopifyQuantity(sku: string): number | undefined {
    const id = this.shopify.itemIdBySku(sku);
    return id === undefined ? undefined : this.shopify.quantityOf(id);
  }

  /** Waits until every SKU on Shopify equals Odoo's free quantity; returns the final table. */
  async converged(
    timeoutMs = 30_000,
  ): Promise<Array<{ sku: string; odoo: number; shopify: number | undefined }>> {
    return waitFor(
      'Shopify to equal Odoo for every SKU',
      async () => {
        const rows = await Promise.all(
          this.skus.map(async (sku) => ({
            sku,
            odoo: await this.odooFree(sku),
            shopify: this.shopifyQuantity(sku),
          })),
        );
        return rows.every((r) => r.odoo === r.shopify) ? rows : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  async stop(): Promise<void> {
    await this.stopAgent().catch(() => undefined);
    await this.relay?.close().catch(() => undefined);
    await this.proxy?.close();
    await this.shopify?.close();
    await this.odooSim?.close();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** The SKUs of every active storable product, whichever way this Odoo version marks "storable". */
export async function storableSkus(odoo: OdooTestClient, limit = 50): Promise<string[]> {
  const fields = await odoo.executeKw<Record<string, unknown>>('product.product', 'fields_get', [], {
    attributes: ['type'],
  });
  const storable = 'is_storable' in fields ? [['is_storable', '=', true]] : [['type', '=', 'product']];
  const products = await odoo.executeKw<Array<{ default_code: string | false }>>(
    'product.product',
    'search_read',
    [[...storable, ['default_code', '!=', false]]],
    { fields: ['default_code'], order: 'id asc', limit },
  );
  return products.flatMap((p) => (p.default_code ? [p.default_code] : []));
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run this test through jest's e2e project (global setup sets it)`);
  return value;
}
