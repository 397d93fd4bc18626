import type { ChannelRule, LevelEventV1, RuleOverride } from '@stockbridge/shared';
import { randomUUID } from 'node:crypto';
import type { ChannelKind } from '../../../apps/relay/src/channels/adapters/channel-adapter';
import { startRelay, type RunningRelay } from '../../../apps/relay/src/relay';
import { startAmazonSimulator, type AmazonSimulator } from '../../simulators/amazon/amazon-simulator';
import { startEbaySimulator, type EbaySimulator } from '../../simulators/ebay/ebay-simulator';
import type { CallRecord, FaultSpec } from '../../simulators/sim-kit';
import { startShopifySimulator, type ShopifySimulator } from '../../simulators/shopify/shopify-simulator';
import { startWebhookSimulator, type WebhookSimulator } from '../../simulators/webhook/webhook-simulator';
import {
  startWooCommerceSimulator,
  type WooCommerceSimulator,
} from '../../simulators/woocommerce/woocommerce-simulator';
import { AdminClient } from '../../support/admin-client';
import { connectAgent, type AgentSocketClient } from '../../support/agent-socket';

/** Shared by the channel e2e suites: a real relay (this run's database and vhost) driven like production. */
export const ADMIN_API_KEY = 'channels-e2e-admin-key-0123456789';
const RELAY_SECRET_KEY = Buffer.alloc(32, 21).toString('base64');

/** Short sweeps and backoff so retries converge within a test; the code paths are the production ones. */
export function startChannelsRelay(env: Record<string, string> = {}): Promise<RunningRelay> {
  return startRelay({
    port: 0,
    env: {
      ADMIN_API_KEY,
      RELAY_SECRET_KEY,
      LOG_LEVEL: 'error',
      PUSH_SWEEP_INTERVAL_MS: '500',
      PUSH_BACKOFF_BASE_MS: '200',
      PUSH_BACKOFF_MAX_MS: '2000',
      ...env,
    },
  });
}

export type ErrorBody = { error: { code: string; message: string; details?: string[] } };

export interface ChannelDto {
  id: string;
  kind: ChannelKind;
  rule: ChannelRule;
}

export interface ListingDto {
  id: string;
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
  dirty: boolean;
  lastError: string | null;
  lastPushedQuantity: number | null;
}

/** Where a SKU lives on a simulated channel, as the admin API takes it. */
export interface SimTarget {
  externalId: string;
  extra: Record<string, unknown>;
}

/** One simulated channel account, seen the same way whatever its API. */
export interface SimChannel {
  kind: ChannelKind;
  settings(): { config: Record<string, unknown>; credentials: Record<string, string> };
  /** The merchant creates a listing with this SKU (as the channel's own SKU) and quantity. */
  addListing(sku: string, quantity: number): SimTarget;
  /** What the channel shows for a listing now (null/undefined: unknown there). */
  quantityOf(target: SimTarget): number | null | undefined;
  /** Every quantity the API set on the listing, oldest first. */
  history(target: SimTarget): number[];
  calls(): ReadonlyArray<Pick<CallRecord, 'startedAt' | 'endedAt' | 'status'>>;
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startSimChannel(kind: ChannelKind): Promise<SimChannel> {
  switch (kind) {
    case 'shopify':
      return shopifyChannel(await startShopifySimulator());
    case 'woocommerce':
      return wooChannel(await startWooCommerceSimulator());
    case 'ebay':
      return ebayChannel(await startEbaySimulator());
    case 'amazon':
      return amazonChannel(await startAmazonSimulator());
    case 'webhook':
      return webhookChannel(await startWebhookSimulator());
  }
}

function shopifyChannel(sim: ShopifySimulator): SimChannel {
  return {
    kind: 'shopify',
    settings: () => ({
      config: { shopUrl: sim.url, apiVersion: '2026-04', locationId: sim.locationId },
      credentials: { accessToken: sim.accessToken },
    }),
    addListing: (sku, quantity) => ({ externalId: sim.addItem(sku, quantity), extra: {} }),
    quantityOf: (t) => sim.quantityOf(t.externalId),
    history: (t) => sim.history(t.externalId),
    calls: () => sim.calls(),
    injectFaults: (spec) => sim.injectFaults(spec),
    clearFaults: () => sim.clearFaults(),
    close: () => sim.close(),
  };
}

function wooChannel(sim: WooCommerceSimulator): SimChannel {
  return {
    kind: 'woocommerce',
    settings: () => ({ config: { baseUrl: sim.url }, credentials: { ...sim.credentials } }),
    addListing: (sku, quantity) => {
      const l = sim.addListing(sku, quantity);
      return { externalId: l.externalId, extra: { ...l.extra } };
    },
    quantityOf: (t) => sim.quantityOf(t.externalId),
    history: (t) => sim.history(t.externalId),
    calls: () => sim.calls(),
    injectFaults: (spec) => sim.injectFaults(spec),
    clearFaults: () => sim.clearFaults(),
    close: () => sim.close(),
  };
}

function ebayChannel(sim: EbaySimulator): SimChannel {
  return {
    kind: 'ebay',
    settings: () => ({
      config: { baseUrl: sim.url, marketplaceId: sim.marketplaceId },
      credentials: { ...sim.credentials },
    }),
    addListing: (sku, quantity) => {
      const l = sim.addListing(sku, quantity);
      return { externalId: l.externalId, extra: { offerIds: [...l.extra.offerIds] } };
    },
    quantityOf: (t) => sim.quantityOf(t.externalId),
    history: (t) => sim.history(t.externalId),
    calls: () => sim.calls(),
    injectFaults: (spec) => sim.injectFaults(spec),
    clearFaults: () => sim.clearFaults(),
    close: () => sim.close(),
  };
}

function amazonChannel(sim: AmazonSimulator): SimChannel {
  return {
    kind: 'amazon',
    settings: () => ({
      config: { baseUrl: sim.url, sellerId: sim.sellerId, marketplaceId: sim.marketplaceId },
      credentials: { ...sim.credentials },
    }),
    addListing: (sku, quantity) => {
      const l = sim.addListing(sku, quantity);
      return { externalId: l.externalId, extra: { ...l.extra } };
    },
    quantityOf: (t) => sim.quantityOf(t.externalId),
    history: (t) => sim.history(t.externalId),
    calls: () => sim.calls(),
    injectFaults: (spec) => sim.injectFaults(spec),
    clearFaults: () => sim.clearFaults(),
    close: () => sim.close(),
  };
}

function webhookChannel(sim: WebhookSimulator): SimChannel {
  return {
    kind: 'webhook',
    settings: () => ({
      config: { url: sim.endpoint, readUrl: sim.readUrl },
      credentials: { ...sim.credentials },
    }),
    addListing: (sku, quantity) => {
      const l = sim.addListing(sku, quantity);
      return { externalId: l.externalId, extra: {} };
    },
    quantityOf: (t) => sim.quantityOf(t.externalId),
    history: (t) => sim.history(t.externalId),
    calls: () => sim.calls(),
    injectFaults: (spec) => sim.injectFaults(spec),
    clearFaults: () => sim.clearFaults(),
    close: () => sim.close(),
  };
}

/** A tenant driven through the admin API, with one agent feeding it over the real WebSocket protocol. */
export class TenantDriver {
  private constructor(
    readonly admin: AdminClient,
    readonly tenantId: string,
    readonly agent: AgentFeed,
  ) {}

  static async create(
    relay: RunningRelay,
    name = `channels-e2e-${randomUUID().slice(0, 8)}`,
  ): Promise<TenantDriver> {
    const admin = new AdminClient(relay.url, ADMIN_API_KEY);
    const tenant = await admin.post<{ id: string }>('/api/v1/tenants', { name });
    const { token } = await admin.post<{ token: string }>(`/api/v1/tenants/${tenant.id}/agents`, {
      name: 'site',
    });
    const socket = await connectAgent(`${relay.url.replace(/^http/, 'ws')}/agent`, token);
    return new TenantDriver(admin, tenant.id, new AgentFeed(socket));
  }

  path(rest: string): string {
    return `/api/v1/tenants/${this.tenantId}${rest}`;
  }

  channel(
    sim: SimChannel,
    rule: Partial<ChannelRule> = {},
    name = `${sim.kind}-channel`,
  ): Promise<ChannelDto> {
    return this.admin.post<ChannelDto>(this.path('/channels'), {
      name,
      kind: sim.kind,
      ...sim.settings(),
      rule,
    });
  }

  listing(
    channelId: string,
    sku: string,
    target: SimTarget,
    ruleOverride?: RuleOverride,
  ): Promise<ListingDto> {
    return this.admin.post<ListingDto>(this.path(`/channels/${channelId}/listings`), {
      sku,
      externalId: target.externalId,
      extra: target.extra,
      ...(ruleOverride ? { ruleOverride } : {}),
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** One product's quantities in one warehouse, as Odoo reports them. */
export interface Reading {
  sku: string | null;
  barcode?: string | null;
  warehouse?: string;
  onHand?: number;
  free: number;
  forecast?: number;
  active?: boolean;
  productId?: number; // default: one id per SKU
}

/** Sends level frames as an agent does (absolute levels, growing versions) and waits for the relay's ack. */
export class AgentFeed {
  private version = 0;
  private readonly productIds = new Map<string, number>();

  constructor(readonly socket: AgentSocketClient) {}

  /** Resolves with the time the relay acked the frame (the change is committed from then on). */
  async send(readings: readonly Reading[]): Promise<number> {
    const frameId = randomUUID();
    const events = readings.map((r): LevelEventV1 => {
      const free = r.free;
      return {
        eventId: randomUUID(),
        productId: r.productId ?? this.productIdOf(r.sku ?? `no-sku-${randomUUID()}`),
        sku: r.sku,
        barcode: r.barcode ?? null,
        warehouse: r.warehouse ?? 'WH',
        onHand: r.onHand ?? free,
        free,
        forecast: r.forecast ?? free,
        active: r.active ?? true,
        version: ++this.version,
        observedAt: new Date().toISOString(),
        correlationId: randomUUID(),
      };
    });
    const reply = await this.socket.send('levels', { frameId, events });
    if (reply.event !== 'ack') throw new Error(`levels frame not acked: ${JSON.stringify(reply)}`);
    return Date.now();
  }

  private productIdOf(sku: string): number {
    let id = this.productIds.get(sku);
    if (id === undefined) {
      id = this.productIds.size + 1;
      this.productIds.set(sku, id);
    }
    return id;
  }

  async close(): Promise<void> {
    await this.socket.close();
  }
}
