import type { ChannelKind } from '../../apps/relay/src/channels/adapters/channel-adapter';
import { createChannelAdapter } from '../../apps/relay/src/channels/adapters/adapter-factory';
import { SHOPIFY_DEFAULT_API_VERSION } from '../../apps/relay/src/channels/adapters/shopify/shopify.adapter';
import { startAmazonSimulator } from '../simulators/amazon/amazon-simulator';
import { startEbaySimulator } from '../simulators/ebay/ebay-simulator';
import type { CallRecord } from '../simulators/sim-kit';
import { shopifySchema } from '../simulators/shopify/shopify-schema';
import { startShopifySimulator, type ShopifyCall } from '../simulators/shopify/shopify-simulator';
import { startWebhookSimulator } from '../simulators/webhook/webhook-simulator';
import { startWooCommerceSimulator } from '../simulators/woocommerce/woocommerce-simulator';

/** One stock-write call as the simulator saw it. */
export interface PushCall {
  startedAt: number;
  endedAt: number;
  items: number;
  throttled: boolean; // the API said "slow down" (429 / THROTTLED)
  ok: boolean; // 2xx and not throttled
}

/** The limit a drain is measured against: calls a token bucket that starts full allows. */
export interface CallRate {
  burstCalls: number;
  callsPerSec: number;
}

/** A channel simulator with a backlog's listings, and what the relay needs to push to it. */
export interface BacklogChannel {
  label: string;
  kind: ChannelKind;
  maxBatch: number; // items per call the adapter sends at most
  rate: CallRate | null; // null: nothing limits the rate but the relay itself
  limitNote: string; // who enforces which limit, and what was scaled
  config: Record<string, unknown>;
  credentials: Record<string, string>;
  addListing(sku: string): { externalId: string; extra: Record<string, unknown> };
  quantityOf(listing: { sku: string; externalId: string }): number | null;
  pushCalls(): PushCall[];
  close(): Promise<void>;
}

/** In run order: Amazon (1 SKU per call) takes longest and goes last, so a time-out costs only its own row. */
export const CHANNEL_LABELS = [
  'shopify-standard',
  'shopify',
  'woocommerce',
  'ebay',
  'webhook',
  'webhook-unpaced',
  'amazon',
] as const;
export type ChannelLabel = (typeof CHANNEL_LABELS)[number];

/** The adapter's own batch cap and default pacing, read from the adapter the relay will build. */
function adapterLimits(
  kind: ChannelKind,
  config: Record<string, unknown>,
  credentials: Record<string, string>,
): { maxBatch: number; rate: CallRate } {
  const adapter = createChannelAdapter({ kind, config, credentials });
  const { capacity, refillPerSec, costPerCall } = adapter.defaultRate;
  return {
    maxBatch: adapter.maxBatchSize,
    rate: { burstCalls: capacity / costPerCall, callsPerSec: refillPerSec / costPerCall },
  };
}

const fromRecords = (records: readonly CallRecord[], operation: string): PushCall[] =>
  records
    .filter((c) => c.operation === operation)
    .map((c) => ({
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      items: c.items,
      throttled: c.status === 429,
      ok: c.status >= 200 && c.status < 300,
    }));

const fromShopify = (calls: readonly ShopifyCall[]): PushCall[] =>
  calls
    .filter((c) => c.operation === 'inventorySetQuantities')
    .map((c) => ({
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      items: c.items,
      throttled: c.throttled,
      ok: c.status === 200 && !c.throttled,
    }));

/** Shopify bucket sizes in points; every inventorySetQuantities costs the simulator's flat mutation cost. */
async function shopify(
  label: ChannelLabel,
  bucket: { maximumAvailable: number; restoreRate: number },
  limitNote: string,
): Promise<BacklogChannel> {
  const sim = await startShopifySimulator({ bucket });
  const cost = shopifySchema.mutationCost;
  return {
    label,
    kind: 'shopify',
    maxBatch: 250,
    rate: { burstCalls: bucket.maximumAvailable / cost, callsPerSec: bucket.restoreRate / cost },
    limitNote,
    config: { shopUrl: sim.url, apiVersion: SHOPIFY_DEFAULT_API_VERSION, locationId: sim.locationId },
    credentials: { accessToken: sim.accessToken },
    addListing: (sku) => ({ externalId: sim.addItem(sku, 0), extra: {} }),
    quantityOf: (l) => sim.quantityOf(l.externalId) ?? null,
    pushCalls: () => fromShopify(sim.calls()),
    close: () => sim.close(),
  };
}

export const AMAZON_SCALED_RATE = 100; // requests/s; the real 5/s would make 10,000 SKUs take 2,000 s
const AMAZON_BURST = 5;

/** Starts the simulator of one backlog channel, with the rate limit the scenario measures against. */
export async function startBacklogChannel(label: ChannelLabel): Promise<BacklogChannel> {
  switch (label) {
    case 'shopify-standard':
      return shopify(
        label,
        { maximumAvailable: 2000, restoreRate: 100 },
        'Shopify Standard as documented: bucket 2,000 points, restore 100 points/s, 10 points per call. ' +
          'A 10,000-SKU backlog is 40 calls = 400 points, so it rides the burst and the limit never binds: ' +
          'this row shows drain time only.',
      );
    case 'shopify':
      return shopify(
        label,
        { maximumAvailable: 100, restoreRate: 100 },
        'Shopify Standard restore rate (100 points/s = 10 calls/s = 2,500 SKUs/s) with the bucket cut from ' +
          '2,000 to 100 points, so that the backlog cannot ride the burst and the rate limit binds.',
      );
    case 'woocommerce': {
      const sim = await startWooCommerceSimulator();
      const config = { baseUrl: sim.url };
      const credentials = { ...sim.credentials };
      return {
        label,
        kind: 'woocommerce',
        ...adapterLimits('woocommerce', config, credentials),
        limitNote:
          'WooCommerce core has no API rate limit; the simulator answers at once (no PHP cost). The limit is ' +
          "the relay's own pacing of WooCommerce (adapter default: 4 calls/s, burst 4, 100 items per batch).",
        config,
        credentials,
        addListing: (sku) => sim.addListing(sku, 0),
        quantityOf: (l) => sim.quantityOf(l.externalId),
        pushCalls: () => fromRecords(sim.calls(), 'products.batch'),
        close: () => sim.close(),
      };
    }
    case 'ebay': {
      const sim = await startEbaySimulator();
      const config = { baseUrl: sim.url };
      const credentials = { ...sim.credentials };
      return {
        label,
        kind: 'ebay',
        ...adapterLimits('ebay', config, credentials),
        limitNote:
          'eBay enforces a daily call quota (2,000,000 calls/day, simulated), no per-second limit. The limit ' +
          "is the relay's pacing of that quota (adapter default: 23 calls/s, burst 23, 25 SKUs per call).",
        config,
        credentials,
        addListing: (sku) => sim.addListing(sku, 0),
        quantityOf: (l) => sim.quantityOf(l.externalId),
        pushCalls: () => fromRecords(sim.calls(), 'bulkUpdatePriceQuantity'),
        close: () => sim.close(),
      };
    }
    case 'amazon': {
      const sim = await startAmazonSimulator({ rate: AMAZON_SCALED_RATE, burst: AMAZON_BURST });
      return {
        label,
        kind: 'amazon',
        maxBatch: 1,
        rate: { burstCalls: AMAZON_BURST, callsPerSec: AMAZON_SCALED_RATE },
        limitNote:
          `Amazon patchListingsItem token bucket enforced by the simulator, rate scaled from 5/s to ` +
          `${AMAZON_SCALED_RATE}/s (burst ${AMAZON_BURST}) to keep the run short; 1 SKU per call. The relay ` +
          'learns the rate from x-amzn-RateLimit-Limit. The share used is the metric.',
        config: { baseUrl: sim.url, sellerId: sim.sellerId, marketplaceId: sim.marketplaceId },
        credentials: { ...sim.credentials },
        addListing: (sku) => sim.addListing(sku, 0),
        quantityOf: (l) => sim.quantityOf(l.externalId),
        pushCalls: () => fromRecords(sim.calls(), 'patchListingsItem'),
        close: () => sim.close(),
      };
    }
    case 'webhook':
    case 'webhook-unpaced': {
      const sim = await startWebhookSimulator();
      const unpaced = label === 'webhook-unpaced';
      const config = { url: sim.endpoint, readUrl: sim.readUrl, ...(unpaced ? { ratePerSec: 10_000 } : {}) };
      const credentials = { ...sim.credentials };
      const limits = adapterLimits('webhook', config, credentials);
      return {
        label,
        kind: 'webhook',
        maxBatch: limits.maxBatch,
        rate: unpaced ? null : limits.rate,
        limitNote: unpaced
          ? 'Signed webhook with ratePerSec 10,000 (the highest allowed): nothing but the relay and the ' +
            'receiver bound the rate, so this row is the raw push throughput of one channel (no target).'
          : 'Signed webhook: our contract has no limit of its own; the receiver has none either. The limit is ' +
            "the channel's configured pacing (default ratePerSec 10, batchSize 100).",
        config,
        credentials,
        addListing: (sku) => sim.addListing(sku, 0),
        quantityOf: (l) => sim.quantityOf(l.externalId),
        pushCalls: () => fromRecords(sim.calls(), 'stock.set'),
        close: () => sim.close(),
      };
    }
  }
}
