import { isRecord } from '@stockbridge/shared';
import {
  type AdapterHttpOptions,
  chunk,
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
} from '../channel-adapter';

const KIND = 'woocommerce';
const API_PATH = '/wp-json/wc/v3';
const MAX_BATCH = 100; // default woocommerce_rest_batch_items_limit (create+update+delete together)
const PER_PAGE = 100;
const SKUS_PER_QUERY = 50; // ?sku=a,b,... keeps the URL well under common 8 KB limits

/** One batch call: simple products go to /products/batch, variations to their parent's /variations/batch. */
interface BatchGroup {
  path: string;
  updates: QuantityUpdate[];
}

/**
 * WooCommerce REST v3 (fact sheet §2). Every write sends `manage_stock: true` with `stock_quantity`, because
 * WooCommerce silently drops a quantity on a product that does not manage stock. A 200 batch answer can still
 * carry per-item errors, and a product whose type cannot hold stock answers without our quantity: both become
 * failed items, never silent successes.
 *
 * Config: { baseUrl (the shop's URL), useVariations?: boolean (also search variations in lookupSkus),
 * queryStringAuth?: boolean (for hosts that strip the Authorization header) }.
 * Credentials: { consumerKey, consumerSecret }.
 */
export class WooCommerceAdapter implements ChannelAdapter {
  readonly kind = KIND;
  /**
   * Core WooCommerce has no rate limiter; the shop's PHP workers are the limit (a batch of 100 takes seconds).
   * 4 calls/s with a burst of 4 lets one busy channel use a typical 4-worker host without starving its shoppers,
   * and only stops a hot loop of fast errors; real throughput is bounded by call latency.
   */
  readonly defaultRate = { capacity: 4, refillPerSec: 4, costPerCall: 1 };
  private batchLimit = MAX_BATCH; // lowered when the site answers 413 (a smaller batch_items_limit)
  private readonly api: string;
  private readonly http: HttpClient;
  private readonly consumerKey: string;
  private readonly consumerSecret: string;
  private readonly useVariations: boolean;
  private readonly queryStringAuth: boolean;

  constructor(connection: ChannelConnection, options: AdapterHttpOptions = {}) {
    const base = requireUrl(connection, 'baseUrl');
    this.api = base.endsWith(API_PATH) ? base : `${base}${API_PATH}`;
    this.consumerKey = requireText(connection.credentials, KIND, 'credentials', 'consumerKey');
    this.consumerSecret = requireText(connection.credentials, KIND, 'credentials', 'consumerSecret');
    this.useVariations = optionalFlag(connection, 'useVariations');
    this.queryStringAuth = optionalFlag(connection, 'queryStringAuth');
    this.http = new HttpClient('WooCommerce', options);
  }

  get maxBatchSize(): number {
    return this.batchLimit;
  }

  async pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult> {
    const local: PushItemResult[] = [];
    const simple: QuantityUpdate[] = [];
    const byParent = new Map<number, QuantityUpdate[]>();
    for (const u of updates) {
      const id = toId(u.target.externalId);
      const parentRaw = u.target.extra['parentId'];
      const parentId = parentRaw === undefined || parentRaw === null ? undefined : toId(parentRaw);
      if (id === undefined) {
        local.push(
          failedItem(
            u,
            true,
            'INVALID_TARGET',
            `externalId '${u.target.externalId}' is not a WooCommerce id`,
          ),
        );
      } else if (parentId === undefined && parentRaw !== undefined && parentRaw !== null) {
        local.push(
          failedItem(u, true, 'INVALID_TARGET', `extra.parentId ${JSON.stringify(parentRaw)} is not an id`),
        );
      } else if (parentId === undefined) simple.push(u);
      else byParent.set(parentId, [...(byParent.get(parentId) ?? []), u]);
    }
    const groups: BatchGroup[] = [
      ...chunk(simple, this.batchLimit).map((part) => ({ path: '/products/batch', updates: part })),
      ...[...byParent].flatMap(([parentId, list]) =>
        chunk(list, this.batchLimit).map((part) => ({
          path: `/products/${parentId}/variations/batch`,
          updates: part,
        })),
      ),
    ];
    if (groups.length === 0) return { items: local };
    const sent = await runCalls(
      groups,
      (g) => this.sendBatch(g, ctx),
      (g) => g.updates,
    );
    return { ...sent, items: [...local, ...sent.items] };
  }

  /** One batch call; a 413 (the site's limit is below ours) splits it in halves and remembers the smaller size. */
  private async sendBatch(group: BatchGroup, ctx: PushContext): Promise<PushBatchResult> {
    const body = {
      update: group.updates.map((u) => ({
        id: Number(u.target.externalId),
        manage_stock: true,
        stock_quantity: u.quantity,
      })),
    };
    const ans = await this.call('POST', group.path, {}, body, ctx.signal);
    if (ans.status === 413 && group.updates.length > 1) {
      const half = Math.ceil(group.updates.length / 2);
      this.batchLimit = Math.min(this.batchLimit, half);
      return runCalls(
        chunk(group.updates, half).map((part) => ({ path: group.path, updates: part })),
        (g) => this.sendBatch(g, ctx),
        (g) => g.updates,
      );
    }
    if (ans.status < 200 || ans.status >= 300) throw this.failure(ans, `POST ${group.path}`);
    const list =
      isRecord(ans.json) && Array.isArray(ans.json['update']) ? (ans.json['update'] as unknown[]) : undefined;
    if (!list)
      throw new ChannelCallError(
        'server',
        `WooCommerce POST ${group.path}: HTTP ${ans.status} without an "update" list: ${excerpt(ans.text)}`,
        undefined,
        ans.status,
      );
    const byId = new Map<number, Record<string, unknown>>();
    for (const r of list) if (isRecord(r)) byId.set(Number(r['id']), r);
    return {
      items: group.updates.map((u, i) => {
        const id = Number(u.target.externalId);
        const atIndex = list[i];
        const r = isRecord(atIndex) && Number(atIndex['id']) === id ? atIndex : byId.get(id);
        return this.itemResult(u, r);
      }),
    };
  }

  private itemResult(u: QuantityUpdate, r: Record<string, unknown> | undefined): PushItemResult {
    const what = `WooCommerce ${u.target.extra['parentId'] !== undefined ? 'variation' : 'product'} ${u.target.externalId}`;
    if (!r) return failedItem(u, false, 'MISSING_RESULT', `${what}: the batch answer has no entry for it`);
    const error = r['error'];
    if (isRecord(error)) {
      const code = typeof error['code'] === 'string' ? error['code'] : 'unknown_error';
      const message = typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
      const data = error['data'];
      const status = isRecord(data) && typeof data['status'] === 'number' ? data['status'] : 400;
      if (code.endsWith('_invalid_id'))
        return failedItem(u, true, 'not-found', `${what}: ${message} (${code})`);
      return failedItem(u, status < 500 && status !== 429, code, `${what}: ${message} (${code})`);
    }
    if (r['manage_stock'] === true && r['stock_quantity'] === u.quantity) return okItem(u);
    // e.g. grouped/external products never manage stock: WooCommerce answers 200 and keeps no quantity
    return failedItem(
      u,
      true,
      'NOT_APPLIED',
      `${what}: WooCommerce answered manage_stock=${JSON.stringify(r['manage_stock'])}, ` +
        `stock_quantity=${JSON.stringify(r['stock_quantity'])} instead of ${u.quantity}` +
        (typeof r['type'] === 'string' ? ` (product type '${r['type']}')` : ''),
    );
  }

  /**
   * What the shop shows: the stock quantity when stock is managed (a variation may inherit its parent's),
   * Infinity when it is not (WooCommerce then sells without limit; it never equals a desired quantity, so
   * reconciliation pushes and the push turns stock management on), null when the id is gone.
   */
  async readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    const groups = new Map<string, ListingTarget[]>(); // list path -> targets
    for (const t of targets) {
      out.set(t.listingId, null);
      const parentRaw = t.extra['parentId'];
      const parentId = parentRaw === undefined || parentRaw === null ? undefined : toId(parentRaw);
      if (
        toId(t.externalId) === undefined ||
        (parentId === undefined && parentRaw !== undefined && parentRaw !== null)
      )
        continue; // not an id WooCommerce could have: reads as not found
      const path = parentId === undefined ? '/products' : `/products/${parentId}/variations`;
      groups.set(path, [...(groups.get(path) ?? []), t]);
    }
    for (const [path, list] of groups) {
      for (const part of chunk(list, PER_PAGE)) {
        const query = { include: part.map((t) => t.externalId).join(','), per_page: String(PER_PAGE) };
        const ans = await this.call('GET', path, query);
        if (ans.status === 404 && path !== '/products') continue; // the parent product is gone: all null
        const rows = this.rows(ans, `GET ${path}`);
        const byId = new Map(rows.map((r) => [String(r['id']), r]));
        for (const t of part) {
          const r = byId.get(String(Number(t.externalId)));
          if (r) out.set(t.listingId, shownQuantity(r));
        }
      }
    }
    return out;
  }

  async lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>> {
    const found = new Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>();
    // WooCommerce splits ?sku= on commas, so a SKU containing one cannot be looked up
    const wanted = [...new Set(skus)].filter((s) => s !== '' && !s.includes(','));
    for (const part of chunk(wanted, SKUS_PER_QUERY)) {
      for await (const r of this.pages('/products', { sku: part.join(',') })) {
        const sku = r['sku'];
        if (typeof sku === 'string' && part.includes(sku) && !found.has(sku))
          found.set(sku, { externalId: String(r['id']), extra: { type: r['type'] } });
      }
    }
    const missing = wanted.filter((s) => !found.has(s));
    if (!this.useVariations || missing.length === 0) return found;
    // /products never returns variations: ask each variable product for the SKUs still missing
    for await (const parent of this.pages('/products', { type: 'variable' })) {
      const parentId = Number(parent['id']);
      for (const part of chunk(
        missing.filter((s) => !found.has(s)),
        SKUS_PER_QUERY,
      )) {
        for await (const v of this.pages(`/products/${parentId}/variations`, { sku: part.join(',') })) {
          const sku = v['sku'];
          if (typeof sku === 'string' && part.includes(sku) && !found.has(sku))
            found.set(sku, { externalId: String(v['id']), extra: { parentId, type: 'variation' } });
        }
      }
      if (missing.every((s) => found.has(s))) break;
    }
    return found;
  }

  async testConnection(): Promise<void> {
    const ans = await this.call('GET', '/products', { per_page: '1' });
    if (ans.status < 200 || ans.status >= 300) throw this.failure(ans, 'GET /products');
    if (!Array.isArray(ans.json))
      throw new ChannelCallError(
        'validation',
        `WooCommerce GET ${this.api}/products did not answer a JSON list (check the shop URL and that pretty permalinks are on): ${excerpt(ans.text)}`,
        undefined,
        ans.status,
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
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'StockBridge' };
    if (this.queryStringAuth) {
      url.searchParams.set('consumer_key', this.consumerKey);
      url.searchParams.set('consumer_secret', this.consumerSecret);
    } else {
      headers['authorization'] =
        `Basic ${Buffer.from(`${this.consumerKey}:${this.consumerSecret}`).toString('base64')}`;
    }
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

  /** Pages through a list endpoint (X-WP-TotalPages) and yields its rows. */
  private async *pages(path: string, query: Record<string, string>): AsyncGenerator<Record<string, unknown>> {
    for (let page = 1; ; page++) {
      const ans = await this.call('GET', path, { ...query, per_page: String(PER_PAGE), page: String(page) });
      yield* this.rows(ans, `GET ${path}`);
      const total = Number(ans.headers.get('x-wp-totalpages') ?? '1');
      if (!Number.isFinite(total) || page >= total) return;
    }
  }

  private rows(ans: HttpAnswer, operation: string): Array<Record<string, unknown>> {
    if (ans.status < 200 || ans.status >= 300) throw this.failure(ans, operation);
    if (!Array.isArray(ans.json))
      throw new ChannelCallError(
        'server',
        `WooCommerce ${operation}: expected a JSON list, got: ${excerpt(ans.text)}`,
      );
    return ans.json.filter(isRecord);
  }

  /** A whole-call failure with WooCommerce's own code and message (or the host's page when it is not JSON). */
  private failure(ans: HttpAnswer, operation: string): ChannelCallError {
    const j = ans.json;
    const detail =
      isRecord(j) && typeof j['message'] === 'string'
        ? `${typeof j['code'] === 'string' ? `${j['code']}: ` : ''}${j['message']}`
        : excerpt(ans.text) || '(empty body)';
    const wait = retryAfterMs(ans.headers);
    // 429 from a host or WAF; 503/504 with Retry-After is a host asking us to slow down, not an outage
    const throttled =
      ans.status === 429 || ((ans.status === 503 || ans.status === 504) && wait !== undefined);
    const kind = throttled ? 'throttled' : kindForStatus(ans.status);
    return new ChannelCallError(
      kind,
      `WooCommerce ${operation}: HTTP ${ans.status} ${detail}`,
      wait !== undefined ? { retryAfterMs: wait } : undefined,
      ans.status,
    );
  }
}

function toId(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function optionalFlag(conn: ChannelConnection, key: string): boolean {
  const v = conn.config[key];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  throw new ChannelCallError('validation', `${KIND} channel config.${key}: expected true or false`);
}

function shownQuantity(r: Record<string, unknown>): number {
  const managed = r['manage_stock'] === true || r['manage_stock'] === 'parent';
  const q = r['stock_quantity'];
  if (!managed) return Number.POSITIVE_INFINITY;
  return typeof q === 'number' ? q : 0;
}
