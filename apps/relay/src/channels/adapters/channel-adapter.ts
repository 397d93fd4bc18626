/**
 * The one interface every channel adapter implements. The push worker only speaks this interface;
 * adapters own their API's wire format, batching limit, error shapes and rate-limit signals.
 */
export type ChannelKind = 'shopify' | 'woocommerce' | 'ebay' | 'amazon' | 'webhook';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['shopify', 'woocommerce', 'ebay', 'amazon', 'webhook'];

/** Where one Odoo SKU lives on a channel. `externalId` and `extra` are adapter-specific. */
export interface ListingTarget {
  listingId: string; // our listings.id
  sku: string;
  externalId: string; // e.g. Shopify InventoryItem gid, WooCommerce product id, eBay SKU, Amazon SKU
  extra: Record<string, unknown>; // e.g. Woo parent id for variations, eBay offerId, Amazon productType
}

export interface QuantityUpdate {
  target: ListingTarget;
  quantity: number; // absolute, never a delta
}

/** What an API told us about its rate limit, in token-bucket terms; fields it did not report are absent. */
export interface RateSignal {
  capacity?: number; // bucket size (Shopify maximumAvailable, Amazon burst)
  available?: number; // tokens left now (Shopify currentlyAvailable)
  refillPerSec?: number; // Shopify restoreRate, Amazon x-amzn-RateLimit-Limit
  costPerCall?: number; // what the last call cost (Shopify requestedQueryCost)
  retryAfterMs?: number; // Retry-After or the API's own "wait" signal
}

export type PushItemResult =
  | { listingId: string; ok: true; quantity: number }
  | { listingId: string; ok: false; permanent: boolean; code: string; message: string }; // message: the API's own text

export interface PushBatchResult {
  items: PushItemResult[]; // one per update, any order
  rate?: RateSignal;
}

/** Why a whole call failed. `retryable` decides retry queue versus dead letters. */
export type ChannelErrorKind =
  'network' | 'timeout' | 'server' | 'throttled' | 'auth' | 'validation' | 'not-found';

export class ChannelCallError extends Error {
  constructor(
    readonly kind: ChannelErrorKind,
    message: string, // includes the API's error text
    readonly rate?: RateSignal,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChannelCallError';
  }
  get retryable(): boolean {
    return (
      this.kind === 'network' ||
      this.kind === 'timeout' ||
      this.kind === 'server' ||
      this.kind === 'throttled'
    );
  }
}

export interface PushContext {
  idempotencyKey: string; // stable for one attempt of one batch (Shopify @idempotent, webhook-id, Idempotency-Key)
  signal?: AbortSignal;
}

export interface ChannelAdapter {
  readonly kind: ChannelKind;
  /** Most updates one call may carry (Shopify 250, WooCommerce 100, eBay 25, Amazon 1, webhook configurable). */
  readonly maxBatchSize: number;
  /** Rate limit assumed until the API reports its own (from the fact sheet). */
  readonly defaultRate: Required<Pick<RateSignal, 'capacity' | 'refillPerSec' | 'costPerCall'>>;
  /** Sets absolute quantities. Throws ChannelCallError when the whole call failed; per-item failures are in items. */
  pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult>;
  /** Reads what the channel shows now (null: listing not found there). Used by reconciliation. */
  readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>>;
  /** Finds listings by SKU (or barcode) for automatic mapping; SKUs not found are absent. */
  lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>>;
  /** Checks credentials and reachability; throws ChannelCallError with a clear message. */
  testConnection(): Promise<void>;
}

/** Channel settings an adapter is built from: `config` is stored in clear, `credentials` encrypted at rest. */
export interface ChannelConnection {
  kind: ChannelKind;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}
