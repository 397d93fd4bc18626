import { randomInt } from 'node:crypto';
import {
  type CallRecord,
  type FaultSpec,
  isNonNegativeInteger,
  isRecord,
  QuantityHistory,
  type SimReply,
  type SimRequest,
  type SimRoute,
  sleep,
  startSimServer,
} from '../sim-kit';

/**
 * eBay Sell Inventory API v1 as the fact sheet (§3) describes it: inventory items (ship-to-home quantity) with
 * offers (availableQuantity; the listing shows the smaller of the two), bulkUpdatePriceQuantity (≤ 25 entries,
 * 200 or 207 with per-offer responses), bulkGetInventoryItem (≤ 25), getInventoryItem (404/25702), full-replace
 * PUT, Bearer auth (401/1001), a daily call quota (429/2001), 250 revisions per listing per calendar day and
 * 25025 when two writes touch one SKU at once.
 *
 * Choices where the docs are silent (fact sheet: **unconfirmed**):
 * - revision cap: per-item statusCode 400, errorId 25002 (the generic "user error" eBay wraps listing-policy
 *   rejections in), category BUSINESS, message naming the 250-revisions-per-day cap;
 * - `singleSkuPerCall` mode (the "only one SKU per call" reading of the docs): a multi-SKU call is answered with
 *   HTTP 400 errorId 25002 for the whole call;
 * - missing/foreign Content-Type: HTTP 415 errorId 2004.
 * A revision is counted per SKU (one listing per SKU and marketplace here).
 */

export interface EbaySimulatorOptions {
  port?: number;
  accessToken?: string;
  marketplaceId?: string;
  dailyCallQuota?: number; // default 2,000,000 (Inventory API default)
  revisionsPerDay?: number; // default 250
  maxEntriesPerCall?: number; // default 25
  singleSkuPerCall?: boolean;
  writeLatencyMs?: number; // how long a write holds its SKUs (a second write meanwhile gets 25025)
}

export interface EbayListingOptions {
  offers?: number; // published offers for the SKU, default 1
  offerQuantity?: number; // default: the item quantity
  title?: string;
}

export interface EbayListing {
  externalId: string; // the SKU: eBay's Inventory API is keyed by seller SKU
  extra: { offerIds: string[] };
}

export interface EbayErrorDetail {
  errorId: number;
  domain: string;
  subdomain?: string;
  category: 'REQUEST' | 'APPLICATION' | 'BUSINESS';
  message: string;
  longMessage?: string;
  parameters?: Array<{ name: string; value: string }>;
}

interface Offer {
  offerId: string;
  marketplaceId: string;
  availableQuantity: number;
  listingId: string;
}

interface InventoryItem {
  sku: string;
  quantity: number;
  product: Record<string, unknown>;
  condition: string;
  offers: Offer[];
}

export interface EbaySimulator {
  url: string; // API host; paths start with /sell/inventory/v1
  credentials: { accessToken: string };
  marketplaceId: string;
  addListing(sku: string, quantity?: number, opts?: EbayListingOptions): EbayListing;
  /** What the listing shows: the smaller of the item quantity and its offers' availableQuantity. */
  quantityOf(sku: string): number;
  itemQuantityOf(sku: string): number;
  offerQuantityOf(offerId: string): number;
  /** A manual edit in Seller Hub: sets the item and every offer. */
  setQuantity(sku: string, quantity: number): void;
  /** The shown quantity after each revision, oldest first (includes the initial one). */
  history(sku: string): number[];
  revisionsToday(sku: string): number;
  callsToday(): number;
  calls(): CallRecord[];
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setDailyCallQuota(quota: number): void;
  setSingleSkuPerCall(on: boolean): void;
  setWriteLatency(ms: number): void;
  /** Midnight Pacific: call quota and revision counters start again. */
  newDay(): void;
  close(): Promise<void>;
}

const API = '/sell/inventory/v1';

const err = (
  errorId: number,
  message: string,
  more: Partial<EbayErrorDetail> = {},
  domain = 'API_INVENTORY',
): EbayErrorDetail => ({ errorId, domain, subdomain: 'Selling', category: 'REQUEST', message, ...more });
const errorsReply = (status: number, ...errors: EbayErrorDetail[]): SimReply => ({
  status,
  body: { errors },
});

const invalidValue = (field: string): EbayErrorDetail =>
  err(25709, `Invalid value for ${field}.`, { parameters: [{ name: 'fieldName', value: field }] });

export async function startEbaySimulator(options: EbaySimulatorOptions = {}): Promise<EbaySimulator> {
  const accessToken = options.accessToken ?? 'v^1.1#i^1#simulated-user-token';
  const marketplaceId = options.marketplaceId ?? 'EBAY_US';
  let dailyCallQuota = options.dailyCallQuota ?? 2_000_000;
  const revisionsPerDay = options.revisionsPerDay ?? 250;
  const maxEntries = options.maxEntriesPerCall ?? 25;
  let singleSkuPerCall = options.singleSkuPerCall ?? false;
  let writeLatencyMs = options.writeLatencyMs ?? 0;

  const items = new Map<string, InventoryItem>();
  const history = new QuantityHistory();
  const locked = new Set<string>(); // SKUs a write is working on right now
  let callsToday = 0;
  let revisions = new Map<string, number>();

  const shown = (item: InventoryItem): number =>
    Math.min(item.quantity, ...item.offers.map((o) => o.availableQuantity));
  const findOffer = (offerId: string): { item: InventoryItem; offer: Offer } | undefined => {
    for (const item of items.values()) {
      const offer = item.offers.find((o) => o.offerId === offerId);
      if (offer) return { item, offer };
    }
    return undefined;
  };
  const revise = (item: InventoryItem): void => {
    revisions.set(item.sku, (revisions.get(item.sku) ?? 0) + 1);
    history.push(item.sku, shown(item));
  };
  const notFound = (sku: string): EbayErrorDetail =>
    err(25702, `SKU ${sku} is not available in the system`, { parameters: [{ name: '0', value: sku }] });

  const itemJson = (item: InventoryItem): Record<string, unknown> => ({
    sku: item.sku,
    locale: 'en_US',
    product: item.product,
    condition: item.condition,
    availability: { shipToLocationAvailability: { quantity: item.quantity } },
  });

  // --- gate: auth, quota, content type -----------------------------------------------------------------------
  const gate = (req: SimRequest, needsBody: boolean): SimReply | undefined => {
    if (req.header('authorization') !== `Bearer ${accessToken}`)
      return errorsReply(
        401,
        err(
          1001,
          'Invalid access token',
          { longMessage: 'Invalid access token. Check the value of the Authorization HTTP request header.' },
          'OAuth',
        ),
      );
    if (callsToday >= dailyCallQuota)
      return errorsReply(
        429,
        err(
          2001,
          'Too many requests.',
          { longMessage: 'The request limit has been reached for the resource.' },
          'ACCESS',
        ),
      );
    callsToday += 1;
    if (needsBody && !(req.header('content-type') ?? '').toLowerCase().startsWith('application/json'))
      return errorsReply(
        415,
        err(
          2004,
          'Unsupported Media Type',
          { longMessage: 'The Content-Type header must be application/json.' },
          'ACCESS',
        ),
      );
    return undefined;
  };

  const parseRequests = (req: SimRequest): unknown[] | SimReply => {
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return errorsReply(
        400,
        err(2004, 'Invalid request', { longMessage: 'The request body is not valid JSON.' }, 'ACCESS'),
      );
    }
    const list = isRecord(body) ? body.requests : undefined;
    if (!Array.isArray(list) || list.length === 0) return errorsReply(400, invalidValue('requests'));
    if (list.length > maxEntries)
      return errorsReply(
        400,
        err(
          25709,
          `Invalid value for requests. The number of requests must be between 1 and ${maxEntries}.`,
          {
            parameters: [{ name: 'fieldName', value: 'requests' }],
          },
        ),
      );
    return list as unknown[];
  };

  // --- bulkUpdatePriceQuantity ---------------------------------------------------------------------------------
  interface EntryOutcome {
    sku: string;
    offerIds: string[];
    statusCode: number;
    errors: EbayErrorDetail[];
  }

  const bulkUpdate = async (req: SimRequest): Promise<SimReply> => {
    const denied = gate(req, true);
    if (denied) return denied;
    const parsed = parseRequests(req);
    if (!Array.isArray(parsed)) return parsed;
    const skus = new Set(parsed.map((e) => (isRecord(e) ? e.sku : undefined)));
    if (singleSkuPerCall && skus.size > 1)
      return errorsReply(
        400,
        err(25002, 'A user error has occurred. Only one SKU can be updated per call.', {
          category: 'REQUEST',
        }),
      );

    // validate every entry and take its SKU lock; nothing of a failed entry is applied
    const planned: Array<{ outcome: EntryOutcome; apply?: () => void }> = parsed.map((entry) => {
      const fail = (sku: string, offerIds: string[], statusCode: number, e: EbayErrorDetail) => ({
        outcome: { sku, offerIds, statusCode, errors: [e] },
      });
      if (!isRecord(entry) || typeof entry.sku !== 'string' || entry.sku === '')
        return fail(
          isRecord(entry) && typeof entry.sku === 'string' ? entry.sku : '',
          [],
          400,
          invalidValue('sku'),
        );
      const sku = entry.sku;
      const offersIn = Array.isArray(entry.offers) ? entry.offers : [];
      const offerIds = offersIn.map((o) => (isRecord(o) && typeof o.offerId === 'string' ? o.offerId : ''));
      const item = items.get(sku);
      if (!item) return fail(sku, offerIds, 404, notFound(sku));
      const ship = entry.shipToLocationAvailability;
      const qty = isRecord(ship) ? ship.quantity : undefined;
      if (ship !== undefined && !isNonNegativeInteger(qty))
        return fail(sku, offerIds, 400, invalidValue('shipToLocationAvailability.quantity'));
      const offerUpdates: Array<{ offer: Offer; quantity?: number }> = [];
      for (const [i, o] of offersIn.entries()) {
        const offer = item.offers.find((x) => x.offerId === offerIds[i]);
        if (!offer) return fail(sku, offerIds, 400, err(25713, 'This Offer is not available.'));
        if (offerIds.indexOf(offer.offerId) !== i)
          return fail(sku, offerIds, 400, invalidValue('offers.offerId (duplicate)'));
        const available = isRecord(o) ? o.availableQuantity : undefined;
        if (available !== undefined && !isNonNegativeInteger(available))
          return fail(sku, offerIds, 400, invalidValue('offers.availableQuantity'));
        offerUpdates.push({ offer, ...(available !== undefined ? { quantity: available } : {}) });
      }
      if (locked.has(sku))
        return fail(
          sku,
          offerIds,
          500,
          err(
            25025,
            'A system error has occurred. Concurrent access of the same inventory item/group is not allowed.',
            {
              category: 'APPLICATION',
              longMessage: 'Another call is updating this inventory item. Please retry.',
            },
          ),
        );
      if ((revisions.get(sku) ?? 0) >= revisionsPerDay)
        return fail(
          sku,
          offerIds,
          400,
          err(
            25002,
            `A user error has occurred. This listing has reached the maximum of ${revisionsPerDay} revisions per calendar day and cannot be revised again until tomorrow.`,
            { category: 'BUSINESS' },
          ),
        );
      locked.add(sku);
      return {
        outcome: { sku, offerIds, statusCode: 200, errors: [] },
        apply: () => {
          if (typeof qty === 'number') item.quantity = qty;
          for (const u of offerUpdates) if (u.quantity !== undefined) u.offer.availableQuantity = u.quantity;
          revise(item);
        },
      };
    });
    try {
      await sleep(writeLatencyMs);
      for (const p of planned) p.apply?.();
    } finally {
      for (const p of planned) if (p.apply) locked.delete(p.outcome.sku);
    }
    // one response per offer, or one per SKU for an item-only update
    const responses = planned.flatMap(({ outcome: o }) =>
      (o.offerIds.length ? o.offerIds : [undefined]).map((offerId) => ({
        statusCode: o.statusCode,
        sku: o.sku,
        ...(offerId !== undefined ? { offerId } : {}),
        errors: o.errors,
        warnings: [],
      })),
    );
    return { status: responses.every((r) => r.statusCode === 200) ? 200 : 207, body: { responses } };
  };

  // --- reads -------------------------------------------------------------------------------------------------
  const bulkGet = (req: SimRequest): SimReply => {
    const denied = gate(req, true);
    if (denied) return denied;
    const parsed = parseRequests(req);
    if (!Array.isArray(parsed)) return parsed;
    const responses = parsed.map((entry) => {
      const sku = isRecord(entry) && typeof entry.sku === 'string' ? entry.sku : '';
      const item = items.get(sku);
      return item
        ? { statusCode: 200, sku, inventoryItem: itemJson(item), warnings: [] }
        : { statusCode: 404, sku, errors: [notFound(sku)], warnings: [] };
    });
    return { status: responses.every((r) => r.statusCode === 200) ? 200 : 207, body: { responses } };
  };

  const getItem = (req: SimRequest, sku: string): SimReply => {
    const denied = gate(req, false);
    if (denied) return denied;
    const item = items.get(sku);
    return item ? { status: 200, body: itemJson(item) } : errorsReply(404, notFound(sku));
  };

  const listItems = (req: SimRequest): SimReply => {
    const denied = gate(req, false);
    if (denied) return denied;
    const limit = Math.min(200, Math.max(1, Number(req.url.searchParams.get('limit') ?? '25') || 25));
    const offset = Math.max(0, Number(req.url.searchParams.get('offset') ?? '0') || 0);
    const all = [...items.values()];
    const page = all.slice(offset, offset + limit).map(itemJson);
    return {
      status: 200,
      body: { total: all.length, size: page.length, limit, offset, inventoryItems: page },
    };
  };

  const getOffers = (req: SimRequest): SimReply => {
    const denied = gate(req, false);
    if (denied) return denied;
    const sku = req.url.searchParams.get('sku') ?? '';
    const item = items.get(sku);
    if (!item) return errorsReply(404, err(25713, 'This Offer is not available.'));
    const wanted = req.url.searchParams.get('marketplace_id');
    const offers = item.offers
      .filter((o) => !wanted || o.marketplaceId === wanted)
      .map((o) => ({
        offerId: o.offerId,
        sku,
        marketplaceId: o.marketplaceId,
        format: 'FIXED_PRICE',
        availableQuantity: o.availableQuantity,
        status: 'PUBLISHED',
        listing: { listingId: o.listingId, listingStatus: 'ACTIVE' },
      }));
    return { status: 200, body: { total: offers.length, size: offers.length, limit: 25, offset: 0, offers } };
  };

  /** createOrReplaceInventoryItem: a full replacement; fields not sent are gone. */
  const putItem = async (req: SimRequest, sku: string): Promise<SimReply> => {
    const denied = gate(req, true);
    if (denied) return denied;
    if (!req.header('content-language')) return errorsReply(400, invalidValue('header Content-Language'));
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return errorsReply(
        400,
        err(2004, 'Invalid request', { longMessage: 'The request body is not valid JSON.' }, 'ACCESS'),
      );
    }
    if (!isRecord(body)) return errorsReply(400, invalidValue('body'));
    const availability = isRecord(body.availability) ? body.availability : {};
    const ship = isRecord(availability.shipToLocationAvailability)
      ? availability.shipToLocationAvailability
      : {};
    const qty = ship.quantity ?? 0;
    if (!isNonNegativeInteger(qty))
      return errorsReply(400, invalidValue('availability.shipToLocationAvailability.quantity'));
    if (locked.has(sku))
      return errorsReply(
        500,
        err(
          25025,
          'A system error has occurred. Concurrent access of the same inventory item/group is not allowed.',
          {
            category: 'APPLICATION',
          },
        ),
      );
    if (items.has(sku) && (revisions.get(sku) ?? 0) >= revisionsPerDay)
      return errorsReply(
        400,
        err(
          25002,
          `A user error has occurred. This listing has reached the maximum of ${revisionsPerDay} revisions per calendar day.`,
          {
            category: 'BUSINESS',
          },
        ),
      );
    locked.add(sku);
    try {
      await sleep(writeLatencyMs);
      const existing = items.get(sku);
      const item: InventoryItem = {
        sku,
        quantity: qty,
        product: isRecord(body.product) ? body.product : {},
        condition: typeof body.condition === 'string' ? body.condition : '',
        offers: existing?.offers ?? [],
      };
      items.set(sku, item);
      revise(item);
      return existing ? { status: 204 } : { status: 201, body: { warnings: [] } };
    } finally {
      locked.delete(sku);
    }
  };

  const countRequests = (req: SimRequest): number => {
    const body = req.json();
    return isRecord(body) && Array.isArray(body.requests) ? body.requests.length : 0;
  };

  const route = (method: string, url: URL): SimRoute | undefined => {
    if (!url.pathname.startsWith(`${API}/`)) return undefined;
    const rest = url.pathname.slice(API.length + 1);
    if (rest === 'bulk_update_price_quantity' && method === 'POST')
      return { operation: 'bulkUpdatePriceQuantity', items: countRequests, handle: bulkUpdate };
    if (rest === 'bulk_get_inventory_item' && method === 'POST')
      return { operation: 'bulkGetInventoryItem', items: countRequests, handle: bulkGet };
    if (rest === 'inventory_item' && method === 'GET')
      return { operation: 'getInventoryItems', handle: listItems };
    if (rest === 'offer' && method === 'GET') return { operation: 'getOffers', handle: getOffers };
    const m = /^inventory_item\/([^/]+)$/.exec(rest);
    if (m?.[1] !== undefined) {
      const sku = decodeURIComponent(m[1]);
      if (method === 'GET')
        return { operation: 'getInventoryItem', items: () => 1, handle: (r) => getItem(r, sku) };
      if (method === 'PUT')
        return { operation: 'createOrReplaceInventoryItem', items: () => 1, handle: (r) => putItem(r, sku) };
    }
    return undefined;
  };

  const server = await startSimServer({
    port: options.port,
    route,
    notFound: () => errorsReply(404, err(2002, 'Resource not found', {}, 'ACCESS')),
    faultReply: (status) =>
      status === 429
        ? errorsReply(
            429,
            err(
              2001,
              'Too many requests.',
              { longMessage: 'The request limit has been reached for the resource.' },
              'ACCESS',
            ),
          )
        : errorsReply(status, err(25001, 'A system error has occurred.', { category: 'APPLICATION' })),
  });

  const mustItem = (sku: string): InventoryItem => {
    const item = items.get(sku);
    if (!item) throw new Error(`eBay simulator: no inventory item with SKU ${sku}`);
    return item;
  };
  let nextOffer = 7_002_000_000;

  return {
    url: server.url,
    credentials: { accessToken },
    marketplaceId,
    addListing(sku, quantity = 0, opts = {}) {
      if (items.has(sku)) throw new Error(`eBay simulator: SKU ${sku} already exists`);
      const offers = Array.from({ length: opts.offers ?? 1 }, () => ({
        offerId: String(nextOffer++),
        marketplaceId,
        availableQuantity: opts.offerQuantity ?? quantity,
        listingId: String(110_000_000_000 + randomInt(1_000_000_000)),
      }));
      const item: InventoryItem = {
        sku,
        quantity,
        product: { title: opts.title ?? sku, aspects: {}, imageUrls: [] },
        condition: 'NEW',
        offers,
      };
      items.set(sku, item);
      history.push(sku, shown(item));
      return { externalId: sku, extra: { offerIds: offers.map((o) => o.offerId) } };
    },
    quantityOf: (sku) => shown(mustItem(sku)),
    itemQuantityOf: (sku) => mustItem(sku).quantity,
    offerQuantityOf(offerId) {
      const found = findOffer(offerId);
      if (!found) throw new Error(`eBay simulator: no offer ${offerId}`);
      return found.offer.availableQuantity;
    },
    setQuantity(sku, quantity) {
      const item = mustItem(sku);
      item.quantity = quantity;
      for (const o of item.offers) o.availableQuantity = quantity;
      revise(item);
    },
    history: (sku) => history.of(sku),
    revisionsToday: (sku) => revisions.get(sku) ?? 0,
    callsToday: () => callsToday,
    calls: server.calls,
    injectFaults: server.injectFaults,
    clearFaults: server.clearFaults,
    setLatency: server.setLatency,
    setDailyCallQuota(quota) {
      dailyCallQuota = quota;
    },
    setSingleSkuPerCall(on) {
      singleSkuPerCall = on;
    },
    setWriteLatency(ms) {
      writeLatencyMs = ms;
    },
    newDay() {
      callsToday = 0;
      revisions = new Map();
    },
    close: server.close,
  };
}
