import { isRecord } from '@stockbridge/shared';
import {
  type AdapterHttpOptions,
  chunk,
  excerpt,
  failedItem,
  type HttpAnswer,
  HttpClient,
  kindForStatus,
  optionalText,
  requireText,
  requireUrl,
  retryAfterMs,
  runCalls,
} from '../adapter-http';
import {
  type ChannelAdapter,
  ChannelCallError,
  type ChannelConnection,
  type ListingTarget,
  type PushBatchResult,
  type PushContext,
  type PushItemResult,
  type QuantityUpdate,
} from '../channel-adapter';

const KIND = 'ebay';
const API_PATH = '/sell/inventory/v1';
const MAX_ENTRIES = 25; // bulkUpdatePriceQuantity and bulkGetInventoryItem
const ERROR_QUOTA = 2001;
const ERROR_CONCURRENT = 25025;
const ERROR_UNKNOWN_SKU = 25702;
const ERROR_USER = 25002; // eBay's generic "user error"; the daily revision cap arrives wrapped in it

/** One SKU's entry in a bulk call; several updates of one SKU in a push collapse into it (the last one wins). */
interface Entry {
  sku: string;
  quantity: number;
  offerIds: string[];
  updates: QuantityUpdate[];
}

interface EbayError {
  errorId?: number;
  message: string;
}

/**
 * eBay Sell Inventory API (fact sheet §3). Pushes with bulkUpdatePriceQuantity, up to 25 SKUs per call, setting
 * both the item's ship-to-home quantity and each offer's availableQuantity (the listing shows the smaller).
 * The docs disagree on 1 vs 25 SKUs per call: if a multi-SKU call is refused as a whole with a 400, the batch is
 * re-sent one SKU per call, and if that works the adapter stays at 1 (maxBatchSize becomes 1).
 *
 * Error decisions:
 * - 429 / errorId 2001 is the *daily* call quota: throttled, waiting until the quota resets at midnight Pacific
 *   unless the API sent Retry-After.
 * - 25025 (concurrent write to one SKU): retryable, as a failed item or as a whole-call 'server' error.
 * - The 250-revisions-per-listing-per-day cap: a failed item, code EBAY_REVISION_LIMIT, *not* permanent. It clears
 *   at midnight Pacific by itself and a retry pushes the then-current quantity, so the retry queue (whose last
 *   attempt still dead-letters) serves better than a DLQ entry someone must replay by hand.
 * - Unknown SKU (25702) and other 4xx per-item errors: permanent, with eBay's message.
 *
 * Config: { baseUrl? (default https://api.ebay.com), marketplaceId? (default EBAY_US) }. Credentials: { accessToken }.
 */
export class EbayAdapter implements ChannelAdapter {
  readonly kind = KIND;
  /** Default Inventory API quota 2,000,000 calls/day ≈ 23.1 calls/s on average; no per-second limit is documented. */
  readonly defaultRate = { capacity: 23, refillPerSec: 23, costPerCall: 1 };
  private singleSkuPerCall = false;
  private readonly api: string;
  private readonly marketplaceId: string;
  private readonly accessToken: string;
  private readonly http: HttpClient;

  constructor(connection: ChannelConnection, options: AdapterHttpOptions = {}) {
    const base = requireUrl(connection, 'baseUrl', 'https://api.ebay.com');
    this.api = base.endsWith(API_PATH) ? base : `${base}${API_PATH}`;
    this.marketplaceId = optionalText(connection.config, KIND, 'config', 'marketplaceId') ?? 'EBAY_US';
    this.accessToken = requireText(connection.credentials, KIND, 'credentials', 'accessToken');
    this.http = new HttpClient('eBay', options);
  }

  get maxBatchSize(): number {
    return this.singleSkuPerCall ? 1 : MAX_ENTRIES;
  }

  async pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult> {
    const local: PushItemResult[] = [];
    const entries = new Map<string, Entry>();
    for (const u of updates) {
      const offerIds = parseOfferIds(u.target.extra['offerIds']);
      if (u.target.externalId === '' || !offerIds) {
        local.push(
          failedItem(
            u,
            true,
            'INVALID_TARGET',
            `eBay listing needs a SKU and extra.offerIds as a list of ids`,
          ),
        );
        continue;
      }
      const entry = entries.get(u.target.externalId);
      if (entry) {
        entry.quantity = u.quantity;
        entry.offerIds = [...new Set([...entry.offerIds, ...offerIds])];
        entry.updates.push(u);
      } else
        entries.set(u.target.externalId, {
          sku: u.target.externalId,
          quantity: u.quantity,
          offerIds,
          updates: [u],
        });
    }
    if (entries.size === 0) return { items: local };
    const sent = await runCalls(
      chunk([...entries.values()], this.maxBatchSize),
      (group) => this.sendBulk(group, ctx),
      (group) => group.flatMap((e) => e.updates),
    );
    return { ...sent, items: [...local, ...sent.items] };
  }

  private async sendBulk(entries: Entry[], ctx: PushContext): Promise<PushBatchResult> {
    const requests = entries.map((e) => ({
      sku: e.sku,
      shipToLocationAvailability: { quantity: e.quantity },
      ...(e.offerIds.length
        ? { offers: e.offerIds.map((offerId) => ({ offerId, availableQuantity: e.quantity })) }
        : {}),
    }));
    const ans = await this.call('POST', '/bulk_update_price_quantity', {}, { requests }, ctx.signal);
    if (ans.status === 400 && entries.length > 1 && !this.singleSkuPerCall) {
      // the "only one SKU per call" reading may be enforced: try one SKU per call, keep it if it works
      const singles = await runCalls(
        entries.map((e) => [e]),
        (group) => this.sendBulk(group, ctx),
        (group) => group.flatMap((e) => e.updates),
      );
      this.singleSkuPerCall = true;
      return singles;
    }
    if (ans.status !== 200 && ans.status !== 207) throw this.failure(ans, 'bulkUpdatePriceQuantity');
    const responses =
      isRecord(ans.json) && Array.isArray(ans.json['responses'])
        ? ans.json['responses'].filter(isRecord)
        : [];
    return { items: entries.flatMap((e) => this.entryResults(e, responses)) };
  }

  /** One entry's updates from its per-offer (or per-SKU) responses: ok only if every one of them is 2xx. */
  private entryResults(e: Entry, responses: Array<Record<string, unknown>>): PushItemResult[] {
    const mine = responses.filter((r) => r['sku'] === e.sku);
    const bad = mine.find(
      (r) => !(typeof r['statusCode'] === 'number' && r['statusCode'] >= 200 && r['statusCode'] < 300),
    );
    return e.updates.map((u): PushItemResult => {
      if (mine.length === 0)
        return failedItem(u, false, 'MISSING_RESULT', `eBay SKU ${e.sku}: no response for it`);
      if (!bad) return { listingId: u.target.listingId, ok: true, quantity: e.quantity };
      const statusCode = typeof bad['statusCode'] === 'number' ? bad['statusCode'] : 0;
      const error = firstError(bad['errors']);
      const where = `eBay SKU ${e.sku}${typeof bad['offerId'] === 'string' ? ` offer ${bad['offerId']}` : ''}`;
      const message = `${where}: ${error.message}`;
      if (error.errorId === ERROR_USER && /revision/i.test(error.message))
        return failedItem(u, false, 'EBAY_REVISION_LIMIT', `${message} (retry after midnight Pacific)`);
      const code = error.errorId !== undefined ? `EBAY_${error.errorId}` : `HTTP_${statusCode}`;
      const transient = error.errorId === ERROR_CONCURRENT || statusCode >= 500 || statusCode === 429;
      return failedItem(u, !transient, code, message);
    });
  }

  /** The quantity a listing shows: the item's, or less when one of the target's offers has less. */
  async readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
    const items = await this.bulkGet(targets.map((t) => t.externalId));
    const out = new Map<string, number | null>();
    for (const t of targets) {
      const itemQty = items.get(t.externalId);
      const offerIds = parseOfferIds(t.extra['offerIds']) ?? [];
      if (itemQty === undefined || itemQty === null || offerIds.length === 0) {
        out.set(t.listingId, itemQty ?? null);
        continue;
      }
      const offers = await this.offersOf(t.externalId);
      const offerQtys = offers.filter((o) => offerIds.includes(o.offerId)).map((o) => o.availableQuantity);
      out.set(t.listingId, Math.min(itemQty, ...offerQtys));
    }
    return out;
  }

  async lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>> {
    const items = await this.bulkGet(skus);
    const found = new Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>();
    for (const [sku, qty] of items) {
      if (qty === null) continue;
      const offers = await this.offersOf(sku);
      found.set(sku, { externalId: sku, extra: { offerIds: offers.map((o) => o.offerId) } });
    }
    return found;
  }

  async testConnection(): Promise<void> {
    const ans = await this.call('GET', '/inventory_item', { limit: '1' });
    if (ans.status !== 200) throw this.failure(ans, 'getInventoryItems');
  }

  /** Item-level quantities by SKU (null: eBay does not know the SKU), 25 per bulkGetInventoryItem call. */
  private async bulkGet(skus: string[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    for (const part of chunk(
      [...new Set(skus)].filter((s) => s !== ''),
      MAX_ENTRIES,
    )) {
      const ans = await this.call(
        'POST',
        '/bulk_get_inventory_item',
        {},
        { requests: part.map((sku) => ({ sku })) },
      );
      if (ans.status !== 200 && ans.status !== 207) throw this.failure(ans, 'bulkGetInventoryItem');
      const responses =
        isRecord(ans.json) && Array.isArray(ans.json['responses'])
          ? ans.json['responses'].filter(isRecord)
          : [];
      for (const r of responses) {
        const sku = r['sku'];
        if (typeof sku !== 'string' || !part.includes(sku)) continue;
        const error = firstError(r['errors']);
        if (r['statusCode'] === 200) out.set(sku, itemQuantity(r['inventoryItem']));
        else if (r['statusCode'] === 404 || error.errorId === ERROR_UNKNOWN_SKU) out.set(sku, null);
        else
          throw new ChannelCallError(
            typeof r['statusCode'] === 'number' && r['statusCode'] >= 500 ? 'server' : 'validation',
            `eBay bulkGetInventoryItem SKU ${sku}: ${error.message}`,
          );
      }
      for (const sku of part) if (!out.has(sku)) out.set(sku, null);
    }
    return out;
  }

  private async offersOf(sku: string): Promise<Array<{ offerId: string; availableQuantity: number }>> {
    const ans = await this.call('GET', '/offer', { sku, marketplace_id: this.marketplaceId });
    if (ans.status === 404) return [];
    if (ans.status !== 200) throw this.failure(ans, 'getOffers');
    const offers =
      isRecord(ans.json) && Array.isArray(ans.json['offers']) ? ans.json['offers'].filter(isRecord) : [];
    return offers.flatMap((o) =>
      typeof o['offerId'] === 'string'
        ? [
            {
              offerId: o['offerId'],
              availableQuantity: typeof o['availableQuantity'] === 'number' ? o['availableQuantity'] : 0,
            },
          ]
        : [],
    );
  }

  // --- HTTP ------------------------------------------------------------------------------------------------

  private call(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    const url = new URL(`${this.api}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.accessToken}`,
      accept: 'application/json',
      'x-ebay-c-marketplace-id': this.marketplaceId,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-language'] = 'en-US';
    }
    return this.http.send(
      {
        method,
        url: url.href,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      },
      `${method} ${path}`,
    );
  }

  private failure(ans: HttpAnswer, operation: string): ChannelCallError {
    const error = isRecord(ans.json)
      ? firstError(ans.json['errors'])
      : { message: excerpt(ans.text) || '(empty body)' };
    const id = error.errorId !== undefined ? ` errorId ${error.errorId}` : '';
    const message = `eBay ${operation}: HTTP ${ans.status}${id}: ${error.message}`;
    const wait = retryAfterMs(ans.headers);
    if (ans.status === 429 || error.errorId === ERROR_QUOTA) {
      // the Inventory API quota is per day: without a Retry-After, wait for its reset
      const retry = wait ?? (error.errorId === ERROR_QUOTA ? msUntilPacificMidnight() : undefined);
      return new ChannelCallError(
        'throttled',
        message,
        retry !== undefined ? { retryAfterMs: retry } : undefined,
        ans.status,
      );
    }
    if (error.errorId === ERROR_CONCURRENT)
      return new ChannelCallError('server', message, undefined, ans.status);
    return new ChannelCallError(
      kindForStatus(ans.status),
      message,
      wait !== undefined ? { retryAfterMs: wait } : undefined,
      ans.status,
    );
  }
}

function parseOfferIds(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every((id): id is string => typeof id === 'string' && id !== '')) return v;
  return undefined;
}

function firstError(v: unknown): EbayError {
  const e: unknown = Array.isArray(v) ? v[0] : undefined;
  if (!isRecord(e)) return { message: 'no error details' };
  const message = typeof e['message'] === 'string' ? e['message'] : 'no message';
  const long =
    typeof e['longMessage'] === 'string' && e['longMessage'] !== message ? ` (${e['longMessage']})` : '';
  return {
    ...(typeof e['errorId'] === 'number' ? { errorId: e['errorId'] } : {}),
    message: `${message}${long}`,
  };
}

function itemQuantity(item: unknown): number {
  const availability = isRecord(item) ? item['availability'] : undefined;
  const ship = isRecord(availability) ? availability['shipToLocationAvailability'] : undefined;
  const q = isRecord(ship) ? ship['quantity'] : undefined;
  return typeof q === 'number' ? q : 0;
}

/** eBay's daily quotas reset at midnight US Pacific time. */
export function msUntilPacificMidnight(now: number = Date.now()): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(now));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const elapsed = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 + (now % 1000);
  return Math.max(1000, 86_400_000 - elapsed);
}
