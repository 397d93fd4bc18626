import { randomBytes, randomUUID } from 'node:crypto';
import {
  type CallRecord,
  type FaultSpec,
  isNonNegativeInteger,
  isRecord,
  QuantityHistory,
  type SimReply,
  type SimRequest,
  type SimRoute,
  startSimServer,
} from '../sim-kit';

/**
 * Amazon SP-API Listings Items 2021-08-01 as the fact sheet (§4) describes it: patchListingsItem (one SKU per
 * call, `replace` or `merge` of fulfillment_availability), HTTP 200 with status ACCEPTED (applied later, after a
 * configurable delay) or INVALID with ERROR issues, getListingsItem with includedData, searchListingsItems by SKU
 * (≤ 20 identifiers), x-amz-access-token (403 Unauthorized otherwise), a token bucket per seller and operation
 * (rate 5/s, burst 5) answering 429 QuotaExceeded, x-amzn-RequestId on every answer and x-amzn-RateLimit-Limit on
 * successful ones. Issue codes below are illustrative (Amazon's numeric codes are not documented per case).
 */

export interface AmazonSimulatorOptions {
  port?: number;
  accessToken?: string;
  sellerId?: string;
  marketplaceId?: string;
  rate?: number; // tokens per second, per seller and operation
  burst?: number;
  applyDelayMs?: number; // ACCEPTED submissions are applied after this delay (0: before the answer)
}

export interface AmazonListingOptions {
  productType?: string; // default 'PRODUCT'
  leadTimeToShipMaxDays?: number; // a sibling field `replace` drops and `merge` keeps
  itemName?: string;
}

export interface AmazonListing {
  externalId: string; // the seller SKU
  extra: { productType: string; asin: string };
}

export interface FulfillmentAvailability {
  fulfillment_channel_code: string;
  quantity?: number;
  lead_time_to_ship_max_days?: number;
}

interface Listing {
  sku: string;
  asin: string;
  productType: string;
  itemName: string;
  availability: FulfillmentAvailability[];
  createdDate: string;
  lastUpdatedDate: string;
}

export interface AmazonSimulator {
  url: string;
  credentials: { accessToken: string };
  sellerId: string;
  marketplaceId: string;
  addListing(sku: string, quantity?: number, opts?: AmazonListingOptions): AmazonListing;
  /** The applied MFN (DEFAULT channel) quantity; pending submissions are not counted until applied. */
  quantityOf(sku: string): number;
  fulfillmentAvailability(sku: string): FulfillmentAvailability[];
  /** A manual edit in Seller Central. */
  setQuantity(sku: string, quantity: number): void;
  history(sku: string): number[];
  /** ACCEPTED submissions not applied yet. */
  pendingSubmissions(): number;
  calls(): CallRecord[];
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setApplyDelay(ms: number): void;
  setRate(rate: number, burst: number): void;
  close(): Promise<void>;
}

const BASE = '/listings/2021-08-01/items/';
const FA_PATH = '/attributes/fulfillment_availability';

type ApiError = { code: string; message: string; details: string };
const errorsReply = (status: number, code: string, message: string, details = ''): SimReply => ({
  status,
  body: { errors: [{ code, message, details } satisfies ApiError] },
});
const quotaExceeded = (): SimReply =>
  errorsReply(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.');

interface Issue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING';
  attributeNames?: string[];
}

class TokenBucket {
  private tokens: number;
  private at = Date.now();
  constructor(
    private rate: number,
    private burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export async function startAmazonSimulator(options: AmazonSimulatorOptions = {}): Promise<AmazonSimulator> {
  const accessToken = options.accessToken ?? 'Atza|simulated-lwa-access-token';
  const sellerId = options.sellerId ?? 'A1SIMULATEDSELLER';
  const marketplaceId = options.marketplaceId ?? 'ATVPDKIKX0DER';
  let rate = options.rate ?? 5;
  let burst = options.burst ?? 5;
  let applyDelayMs = options.applyDelayMs ?? 0;
  let buckets = new Map<string, TokenBucket>();
  const listings = new Map<string, Listing>();
  const history = new QuantityHistory();
  const pending = new Set<NodeJS.Timeout>();

  const rateHeader = (): Record<string, string> => ({
    'x-amzn-ratelimit-limit': Number.isInteger(rate) ? rate.toFixed(1) : String(rate),
  });
  const mfnQuantity = (l: Listing): number =>
    l.availability.find((a) => a.fulfillment_channel_code === 'DEFAULT')?.quantity ?? 0;

  /** Auth, seller, token bucket, marketplace: what every Listings operation checks first. */
  const gate = (req: SimRequest, operation: string, pathSeller: string): SimReply | undefined => {
    if (req.header('x-amz-access-token') !== accessToken)
      return errorsReply(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided is revoked, malformed or invalid.',
      );
    if (pathSeller !== sellerId)
      return errorsReply(403, 'Unauthorized', 'Access to requested resource is denied.');
    const key = `${operation}:${pathSeller}`;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = new TokenBucket(rate, burst)));
    if (!bucket.take()) return quotaExceeded();
    const ids = (req.url.searchParams.get('marketplaceIds') ?? '').split(',').filter(Boolean);
    if (ids.length === 0)
      return errorsReply(400, 'InvalidInput', "Missing required 'marketplaceIds' parameter.");
    if (!ids.includes(marketplaceId))
      return errorsReply(400, 'InvalidInput', `Invalid 'marketplaceIds' provided: ${ids.join(',')}.`);
    return undefined;
  };

  const apply = (l: Listing, availability: FulfillmentAvailability[]): void => {
    l.availability = availability;
    l.lastUpdatedDate = new Date().toISOString();
    history.push(l.sku, mfnQuantity(l));
  };

  /** Checks the fulfillment_availability value; returns the issue when invalid. */
  const checkAvailability = (value: unknown): Issue | FulfillmentAvailability[] => {
    const bad = (message: string): Issue => ({
      code: '90220',
      message,
      severity: 'ERROR',
      attributeNames: ['fulfillment_availability'],
    });
    if (!Array.isArray(value) || value.length === 0)
      return bad("'fulfillment_availability' must be a non-empty array of fulfillment channel entries.");
    const out: FulfillmentAvailability[] = [];
    for (const v of value) {
      if (!isRecord(v) || typeof v.fulfillment_channel_code !== 'string' || v.fulfillment_channel_code === '')
        return bad("'fulfillment_channel_code' is required but not supplied.");
      if (v.quantity !== undefined && !isNonNegativeInteger(v.quantity))
        return bad(
          `The value '${JSON.stringify(v.quantity)}' for 'quantity' is invalid: expected an integer of 0 or more.`,
        );
      if (v.fulfillment_channel_code !== 'DEFAULT')
        return bad(
          `Fulfillment channel '${v.fulfillment_channel_code}' is controlled by Amazon and cannot be set.`,
        );
      out.push({
        fulfillment_channel_code: v.fulfillment_channel_code,
        ...(v.quantity !== undefined ? { quantity: v.quantity } : {}),
        ...(isNonNegativeInteger(v.lead_time_to_ship_max_days)
          ? { lead_time_to_ship_max_days: v.lead_time_to_ship_max_days }
          : {}),
      });
    }
    return out;
  };

  const patch = (req: SimRequest, pathSeller: string, sku: string): SimReply => {
    const denied = gate(req, 'patchListingsItem', pathSeller);
    if (denied) return denied;
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return errorsReply(400, 'InvalidInput', 'Request body is not valid JSON.');
    }
    if (!isRecord(body) || typeof body.productType !== 'string' || body.productType === '')
      return errorsReply(400, 'InvalidInput', "Missing required 'productType' in request body.");
    if (!Array.isArray(body.patches) || body.patches.length === 0)
      return errorsReply(400, 'InvalidInput', "'patches' must contain at least one patch.");
    for (const [i, p] of body.patches.entries()) {
      if (!isRecord(p) || !['add', 'replace', 'merge', 'delete'].includes(String(p.op)))
        return errorsReply(
          400,
          'InvalidInput',
          `patches[${i}].op must be one of add, replace, merge, delete.`,
        );
      if (typeof p.path !== 'string' || !/^\/attributes\/[a-z0-9_]+$/.test(p.path))
        return errorsReply(
          400,
          'InvalidInput',
          `patches[${i}].path must name a top-level attribute (/attributes/<name>).`,
        );
    }
    const answer = (status: 'ACCEPTED' | 'INVALID' | 'VALID', issues: Issue[]): SimReply => ({
      status: 200,
      headers: rateHeader(),
      body: { sku, status, submissionId: randomBytes(16).toString('hex'), issues },
    });
    const listing = listings.get(sku);
    if (!listing)
      return answer('INVALID', [
        {
          code: '4000001',
          message: `SKU '${sku}' does not exist in marketplace ${marketplaceId}; create the listing before patching it.`,
          severity: 'ERROR',
          attributeNames: [],
        },
      ]);
    if (body.productType !== listing.productType)
      return answer('INVALID', [
        {
          code: '4000003',
          message: `The product type '${body.productType}' does not match the listing's product type '${listing.productType}'.`,
          severity: 'ERROR',
          attributeNames: [],
        },
      ]);

    // compute the new availability from the patches; nothing is stored until the submission is applied
    let next = listing.availability.map((a) => ({ ...a }));
    for (const p of body.patches as Array<Record<string, unknown>>) {
      if (p.path !== FA_PATH) continue; // other attributes are accepted and not modelled
      if (p.op === 'delete') {
        next = [];
        continue;
      }
      const checked = checkAvailability(p.value);
      if (!Array.isArray(checked)) return answer('INVALID', [checked]);
      if (p.op === 'merge') {
        // JSON merge per channel entry: fields not sent (e.g. lead time) are kept
        for (const entry of checked) {
          const current = next.find((a) => a.fulfillment_channel_code === entry.fulfillment_channel_code);
          if (current) Object.assign(current, entry);
          else next.push(entry);
        }
      } else next = checked; // replace/add: siblings not sent are dropped
    }
    if (req.url.searchParams.get('mode') === 'VALIDATION_PREVIEW') return answer('VALID', []);
    if (applyDelayMs <= 0) apply(listing, next);
    else {
      const timer = setTimeout(() => {
        pending.delete(timer);
        apply(listing, next);
      }, applyDelayMs);
      pending.add(timer);
    }
    return answer('ACCEPTED', []);
  };

  const listingJson = (l: Listing, included: string[]): Record<string, unknown> => ({
    sku: l.sku,
    ...(included.includes('summaries')
      ? {
          summaries: [
            {
              marketplaceId,
              asin: l.asin,
              productType: l.productType,
              conditionType: 'new_new',
              status: mfnQuantity(l) > 0 ? ['BUYABLE', 'DISCOVERABLE'] : ['DISCOVERABLE'],
              itemName: l.itemName,
              createdDate: l.createdDate,
              lastUpdatedDate: l.lastUpdatedDate,
            },
          ],
        }
      : {}),
    ...(included.includes('fulfillmentAvailability')
      ? {
          fulfillmentAvailability: l.availability.map((a) => ({
            fulfillmentChannelCode: a.fulfillment_channel_code,
            ...(a.quantity !== undefined ? { quantity: a.quantity } : {}),
          })),
        }
      : {}),
    ...(included.includes('issues') ? { issues: [] } : {}),
  });
  const includedData = (req: SimRequest): string[] =>
    (req.url.searchParams.get('includedData') ?? 'summaries').split(',').filter(Boolean);

  const getOne = (req: SimRequest, pathSeller: string, sku: string): SimReply => {
    const denied = gate(req, 'getListingsItem', pathSeller);
    if (denied) return denied;
    const l = listings.get(sku);
    if (!l) return errorsReply(404, 'NOT_FOUND', `SKU '${sku}' not found in marketplace ${marketplaceId}`);
    return { status: 200, headers: rateHeader(), body: listingJson(l, includedData(req)) };
  };

  const search = (req: SimRequest, pathSeller: string): SimReply => {
    const denied = gate(req, 'searchListingsItems', pathSeller);
    if (denied) return denied;
    const q = req.url.searchParams;
    const identifiers = (q.get('identifiers') ?? '').split(',').filter(Boolean);
    if (identifiers.length > 20)
      return errorsReply(400, 'InvalidInput', "'identifiers' accepts at most 20 values.");
    if (identifiers.length > 0 && q.get('identifiersType') !== 'SKU')
      return errorsReply(
        400,
        'InvalidInput',
        "'identifiersType' is required with 'identifiers' (this simulator supports SKU).",
      );
    const pageSize = Number(q.get('pageSize') ?? '10');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20)
      return errorsReply(400, 'InvalidInput', "'pageSize' must be between 1 and 20.");
    const offset = Number(Buffer.from(q.get('pageToken') ?? '', 'base64').toString('utf8') || '0');
    const all = [...listings.values()].filter((l) => identifiers.length === 0 || identifiers.includes(l.sku));
    const page = all.slice(offset, offset + pageSize);
    const nextOffset = offset + pageSize;
    return {
      status: 200,
      headers: rateHeader(),
      body: {
        numberOfResults: all.length,
        ...(nextOffset < all.length
          ? { pagination: { nextToken: Buffer.from(String(nextOffset)).toString('base64') } }
          : {}),
        items: page.map((l) => listingJson(l, includedData(req))),
      },
    };
  };

  const route = (method: string, url: URL): SimRoute | undefined => {
    if (!url.pathname.startsWith(BASE)) return undefined;
    const [seller, rawSku, extra] = url.pathname.slice(BASE.length).split('/');
    if (seller === undefined || seller === '' || extra !== undefined) return undefined;
    if (rawSku === undefined)
      return method === 'GET'
        ? { operation: 'searchListingsItems', handle: (r) => search(r, seller) }
        : undefined;
    const sku = decodeURIComponent(rawSku);
    if (method === 'PATCH')
      return { operation: 'patchListingsItem', items: () => 1, handle: (r) => patch(r, seller, sku) };
    if (method === 'GET')
      return { operation: 'getListingsItem', items: () => 1, handle: (r) => getOne(r, seller, sku) };
    return undefined;
  };

  const server = await startSimServer({
    port: options.port,
    route,
    notFound: () => errorsReply(404, 'NotFound', 'Resource not found.'),
    faultReply: (status) => {
      if (status === 429) return quotaExceeded();
      if (status === 503)
        return errorsReply(503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again.');
      return errorsReply(status, 'InternalFailure', 'We encountered an internal error. Please try again.');
    },
    decorate: (reply) => ({ ...reply, headers: { ...reply.headers, 'x-amzn-requestid': randomUUID() } }),
  });

  const mustListing = (sku: string): Listing => {
    const l = listings.get(sku);
    if (!l) throw new Error(`Amazon simulator: no listing with SKU ${sku}`);
    return l;
  };

  return {
    url: server.url,
    credentials: { accessToken },
    sellerId,
    marketplaceId,
    addListing(sku, quantity = 0, opts = {}) {
      if (listings.has(sku)) throw new Error(`Amazon simulator: SKU ${sku} already exists`);
      const now = new Date().toISOString();
      const l: Listing = {
        sku,
        asin: `B0${randomBytes(4).toString('hex').toUpperCase()}`,
        productType: opts.productType ?? 'PRODUCT',
        itemName: opts.itemName ?? sku,
        availability: [
          {
            fulfillment_channel_code: 'DEFAULT',
            quantity,
            ...(opts.leadTimeToShipMaxDays !== undefined
              ? { lead_time_to_ship_max_days: opts.leadTimeToShipMaxDays }
              : {}),
          },
        ],
        createdDate: now,
        lastUpdatedDate: now,
      };
      listings.set(sku, l);
      history.push(sku, quantity);
      return { externalId: sku, extra: { productType: l.productType, asin: l.asin } };
    },
    quantityOf: (sku) => mfnQuantity(mustListing(sku)),
    fulfillmentAvailability: (sku) => mustListing(sku).availability.map((a) => ({ ...a })),
    setQuantity(sku, quantity) {
      const l = mustListing(sku);
      const current = l.availability.find((a) => a.fulfillment_channel_code === 'DEFAULT');
      apply(
        l,
        current
          ? l.availability.map((a) => (a === current ? { ...a, quantity } : a))
          : [...l.availability, { fulfillment_channel_code: 'DEFAULT', quantity }],
      );
    },
    history: (sku) => history.of(sku),
    pendingSubmissions: () => pending.size,
    calls: server.calls,
    injectFaults: server.injectFaults,
    clearFaults: server.clearFaults,
    setLatency: server.setLatency,
    setApplyDelay(ms) {
      applyDelayMs = ms;
    },
    setRate(newRate, newBurst) {
      rate = newRate;
      burst = newBurst;
      buckets = new Map();
    },
    async close() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      await server.close();
    },
  };
}
