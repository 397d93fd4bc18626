import { isRecord } from '@stockbridge/shared';
import {
  type AdapterHttpOptions,
  chunk,
  configError,
  excerpt,
  failedItem,
  type HttpAnswer,
  HttpClient,
  kindForStatus,
  okItem,
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
  type RateSignal,
} from '../channel-adapter';

const KIND = 'amazon';
const LISTINGS = '/listings/2021-08-01/items';
const SEARCH_MAX_IDENTIFIERS = 20;
const READ_ATTEMPTS = 10; // reads pace themselves through short 429s (5/s per seller) instead of failing

type PatchOp = 'merge' | 'replace';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Amazon SP-API Listings Items 2021-08-01 (fact sheet §4): one SKU per patchListingsItem, setting the MFN
 * (`DEFAULT`) fulfillment_availability quantity. `merge` (default) keeps sibling fields such as the handling
 * time that `replace` would drop. Amazon answers HTTP 200 even for a rejected patch: status INVALID becomes a
 * permanent failed item carrying the ERROR issues' messages; ACCEPTED means queued (Amazon applies it shortly
 * after), which is as far as this API can confirm. Rate: 5 requests/s per seller, burst 5; the refill rate
 * Amazon reports in x-amzn-RateLimit-Limit is passed on in the RateSignal.
 *
 * Config: { baseUrl? (default the NA endpoint), sellerId, marketplaceId, patchOp?: 'merge' | 'replace' }.
 * Credentials: { accessToken } (an LWA access token; refreshing it is the caller's business).
 * Listing target: externalId = seller SKU, extra.productType required (lookupSkus fills it).
 */
export class AmazonAdapter implements ChannelAdapter {
  readonly kind = KIND;
  readonly maxBatchSize = 1;
  readonly defaultRate = { capacity: 5, refillPerSec: 5, costPerCall: 1 };
  private refillPerSec: number | undefined; // last x-amzn-RateLimit-Limit seen
  private readonly base: string;
  private readonly sellerId: string;
  private readonly marketplaceId: string;
  private readonly patchOp: PatchOp;
  private readonly accessToken: string;
  private readonly http: HttpClient;

  constructor(connection: ChannelConnection, options: AdapterHttpOptions = {}) {
    this.base = requireUrl(connection, 'baseUrl', 'https://sellingpartnerapi-na.amazon.com');
    this.sellerId = requireText(connection.config, KIND, 'config', 'sellerId');
    this.marketplaceId = requireText(connection.config, KIND, 'config', 'marketplaceId');
    const op = connection.config['patchOp'] ?? 'merge';
    if (op !== 'merge' && op !== 'replace') throw configError(KIND, 'config.patchOp', "'merge' or 'replace'");
    this.patchOp = op;
    this.accessToken = requireText(connection.credentials, KIND, 'credentials', 'accessToken');
    this.http = new HttpClient('Amazon', options);
  }

  async pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult> {
    const local: PushItemResult[] = [];
    const ready: QuantityUpdate[] = [];
    for (const u of updates) {
      const productType = u.target.extra['productType'];
      if (typeof productType === 'string' && productType !== '' && u.target.externalId !== '') ready.push(u);
      else
        local.push(
          failedItem(
            u,
            true,
            'MISSING_PRODUCT_TYPE',
            `Amazon SKU ${u.target.externalId}: extra.productType is required to patch a listing`,
          ),
        );
    }
    if (ready.length === 0) return { items: local };
    const sent = await runCalls(
      ready,
      (u) => this.patchOne(u, ctx),
      (u) => [u],
    );
    return { ...sent, items: [...local, ...sent.items] };
  }

  private async patchOne(u: QuantityUpdate, ctx: PushContext): Promise<PushBatchResult> {
    const sku = u.target.externalId;
    const body = {
      productType: u.target.extra['productType'],
      patches: [
        {
          op: this.patchOp,
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: u.quantity }],
        },
      ],
    };
    const ans = await this.call('PATCH', this.itemPath(sku), { issueLocale: 'en_US' }, body, ctx.signal);
    if (ans.status !== 200) throw this.failure(ans, `patchListingsItem ${sku}`);
    const rate = this.rateFrom(ans);
    const status = isRecord(ans.json) ? ans.json['status'] : undefined;
    if (status === 'ACCEPTED' || status === 'VALID') return { items: [okItem(u)], ...rate };
    if (status === 'INVALID') {
      const issues =
        isRecord(ans.json) && Array.isArray(ans.json['issues']) ? ans.json['issues'].filter(isRecord) : [];
      const errors = issues.filter((i) => i['severity'] === 'ERROR');
      const shown = (errors.length ? errors : issues).map(
        (i) => `${String(i['code'])}: ${String(i['message'])}`,
      );
      const code = errors[0]?.['code'];
      return {
        items: [
          failedItem(
            u,
            true,
            typeof code === 'string' ? `AMAZON_${code}` : 'AMAZON_INVALID',
            `Amazon SKU ${sku}: submission INVALID: ${shown.join('; ') || 'no issues given'}`,
          ),
        ],
        ...rate,
      };
    }
    return {
      items: [
        failedItem(
          u,
          false,
          'UNEXPECTED_RESPONSE',
          `Amazon SKU ${sku}: HTTP 200 with status ${JSON.stringify(status)}`,
        ),
      ],
      ...rate,
    };
  }

  /** The MFN quantity Amazon holds now (a just-ACCEPTED patch may not be applied yet); null when the SKU is unknown. */
  async readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    for (const t of targets) {
      const ans = await this.readWithPacing(this.itemPath(t.externalId), {
        includedData: 'fulfillmentAvailability',
      });
      if (ans.status === 404) {
        out.set(t.listingId, null);
        continue;
      }
      if (ans.status !== 200) throw this.failure(ans, `getListingsItem ${t.externalId}`);
      const list =
        isRecord(ans.json) && Array.isArray(ans.json['fulfillmentAvailability'])
          ? ans.json['fulfillmentAvailability']
          : [];
      const mfn = list.filter(isRecord).find((a) => a['fulfillmentChannelCode'] === 'DEFAULT');
      out.set(t.listingId, typeof mfn?.['quantity'] === 'number' ? mfn['quantity'] : 0);
    }
    return out;
  }

  /** searchListingsItems by SKU, 20 per call; extra gets the productType a patch needs, and the ASIN. */
  async lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>> {
    const found = new Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>();
    const wanted = [...new Set(skus)].filter((s) => s !== '');
    const add = (item: Record<string, unknown>): void => {
      const sku = item['sku'];
      const summaries = Array.isArray(item['summaries']) ? item['summaries'].filter(isRecord) : [];
      const summary = summaries.find((s) => s['marketplaceId'] === this.marketplaceId) ?? summaries[0];
      if (typeof sku === 'string' && wanted.includes(sku))
        found.set(sku, {
          externalId: sku,
          extra: { productType: summary?.['productType'], asin: summary?.['asin'] },
        });
    };
    // identifiers are comma-separated, so a SKU containing a comma is read on its own
    for (const part of chunk(
      wanted.filter((s) => !s.includes(',')),
      SEARCH_MAX_IDENTIFIERS,
    )) {
      const ans = await this.readWithPacing(`${LISTINGS}/${encodeURIComponent(this.sellerId)}`, {
        identifiers: part.join(','),
        identifiersType: 'SKU',
        includedData: 'summaries',
        pageSize: String(SEARCH_MAX_IDENTIFIERS),
      });
      if (ans.status !== 200) throw this.failure(ans, 'searchListingsItems');
      const items =
        isRecord(ans.json) && Array.isArray(ans.json['items']) ? ans.json['items'].filter(isRecord) : [];
      items.forEach(add);
    }
    for (const sku of wanted.filter((s) => s.includes(','))) {
      const ans = await this.readWithPacing(this.itemPath(sku), { includedData: 'summaries' });
      if (ans.status === 404) continue;
      if (ans.status !== 200) throw this.failure(ans, `getListingsItem ${sku}`);
      if (isRecord(ans.json)) add(ans.json);
    }
    return found;
  }

  async testConnection(): Promise<void> {
    const ans = await this.call('GET', `${LISTINGS}/${encodeURIComponent(this.sellerId)}`, { pageSize: '1' });
    if (ans.status !== 200) throw this.failure(ans, 'searchListingsItems');
  }

  // --- HTTP ------------------------------------------------------------------------------------------------

  private itemPath(sku: string): string {
    return `${LISTINGS}/${encodeURIComponent(this.sellerId)}/${encodeURIComponent(sku)}`;
  }

  private call(
    method: 'GET' | 'PATCH',
    path: string,
    query: Record<string, string>,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    const url = new URL(`${this.base}${path}`);
    url.searchParams.set('marketplaceIds', this.marketplaceId);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      'x-amz-access-token': this.accessToken,
      'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      accept: 'application/json',
      'user-agent': 'StockBridge/0.1 (Language=TypeScript)',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
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

  /** A GET that waits out short 429s (a reconciliation read is not worth failing over a 200 ms wait). */
  private async readWithPacing(path: string, query: Record<string, string>): Promise<HttpAnswer> {
    for (let attempt = 1; ; attempt++) {
      const ans = await this.call('GET', path, query);
      if (ans.status === 200) this.rateFrom(ans);
      if (ans.status !== 429 || attempt >= READ_ATTEMPTS) return ans;
      await sleep(retryAfterMs(ans.headers) ?? this.tokenWaitMs());
    }
  }

  private tokenWaitMs(): number {
    return Math.ceil(1000 / (this.refillPerSec ?? this.defaultRate.refillPerSec));
  }

  private rateFrom(ans: HttpAnswer): { rate?: RateSignal } {
    const v = Number(ans.headers.get('x-amzn-ratelimit-limit') ?? NaN);
    if (!(v > 0)) return {};
    this.refillPerSec = v;
    return { rate: { refillPerSec: v } };
  }

  private failure(ans: HttpAnswer, operation: string): ChannelCallError {
    const e: unknown =
      isRecord(ans.json) && Array.isArray(ans.json['errors']) ? ans.json['errors'][0] : undefined;
    const detail = isRecord(e)
      ? `${String(e['code'])}: ${String(e['message'])}${typeof e['details'] === 'string' && e['details'] !== '' ? ` (${e['details']})` : ''}`
      : excerpt(ans.text) || '(empty body)';
    const requestId = ans.headers.get('x-amzn-requestid');
    const message = `Amazon ${operation}: HTTP ${ans.status} ${detail}${requestId ? ` [x-amzn-RequestId ${requestId}]` : ''}`;
    if (ans.status === 429) {
      this.rateFrom(ans);
      const refillPerSec = this.refillPerSec ?? this.defaultRate.refillPerSec;
      return new ChannelCallError(
        'throttled',
        message,
        { refillPerSec, retryAfterMs: retryAfterMs(ans.headers) ?? this.tokenWaitMs() },
        429,
      );
    }
    const wait = retryAfterMs(ans.headers);
    return new ChannelCallError(
      kindForStatus(ans.status),
      message,
      wait !== undefined ? { retryAfterMs: wait } : undefined,
      ans.status,
    );
  }
}
