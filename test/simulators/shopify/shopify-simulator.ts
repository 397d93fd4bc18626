/**
 * A Shopify Admin GraphQL API on 127.0.0.1 speaking the real wire format: `POST /admin/api/{version}/graphql.json`
 * with `X-Shopify-Access-Token`, cost-based leaky-bucket throttling, version fall-forward, userErrors and
 * idempotency exactly as the adapter will meet them. See README.md for every choice made where Shopify's
 * behaviour is unconfirmed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GraphqlSyntaxError,
  parseGraphql,
  valueOf,
  type GraphqlDocument,
  type OperationNode,
} from './graphql-document';
import {
  executeOperation,
  requestedCost,
  validateOperation,
  type ExecutionContext,
  type GraphqlError,
  type Record_,
} from './graphql-executor';
import { LeakyBucket, type ThrottleStatus } from './leaky-bucket';
import { InventoryStore, parseSearch } from './inventory-store';
import { shopifySchema, type SimContext } from './shopify-schema';

export type ShopifyPlan = 'standard' | 'advanced' | 'plus' | 'enterprise';
/** Restore rates per plan from the current docs; the bucket is assumed to hold 20 s of restore (fact sheet §1.4). */
export const PLAN_RESTORE_RATE: Record<ShopifyPlan, number> = {
  standard: 100,
  advanced: 200,
  plus: 1000,
  enterprise: 2000,
};

export const MAX_SINGLE_QUERY_COST = 1000;
export const INVALID_TOKEN_MESSAGE =
  '[API] Invalid API key or access token (unrecognized login or wrong password)';

export interface ShopifySimulatorOptions {
  port?: number; // default 0: an ephemeral port
  shop?: string; // shop handle, e.g. 'stockbridge-test' (→ stockbridge-test.myshopify.com)
  accessToken?: string; // the one valid Admin API token; default a random shpat_… value
  apiVersion?: string; // newest stable version served (default 2026-10); see supportedVersions
  supportedVersions?: string[]; // default: the five quarterly releases up to apiVersion, plus the next as release candidate
  bucket?: { maximumAvailable: number; restoreRate: number }; // overrides `plan`
  plan?: ShopifyPlan; // default 'standard': 100 points/s, bucket 2000
  scopes?: string[]; // granted access scopes; default read/write inventory, read_locations, read_products
  clock?: () => number; // ms; injectable so throttling tests are exact
}

export interface ShopifyFaults {
  status?: 429 | 500 | 502 | 503;
  retryAfterSec?: number; // sent as Retry-After with 429 (default 2.0) and, when given, with 503
  count?: number; // how many requests get the fault; default every request until clearFaults()
  delayMs?: number; // wait this long before answering (or before failing)
  timeout?: boolean | 'before-apply' | 'after-apply'; // never answer; 'after-apply' does the work first (a lost response)
}

export interface ShopifyCall {
  operation: string; // root fields, e.g. 'inventorySetQuantities' or 'nodes'; '' when the body was unreadable
  startedAt: number;
  endedAt: number;
  throttled: boolean; // GraphQL THROTTLED or an injected 429
  status: number; // HTTP status; 0 when no answer was sent (timeout fault, client gave up)
  items: number; // quantities set, ids read or SKUs searched
}

export interface ShopifySimulator {
  url: string;
  shop: string; // e.g. stockbridge-test.myshopify.com
  accessToken: string;
  locationId: string; // gid of the default location
  addItem(sku: string, quantity?: number, opts?: { tracked?: boolean; stockedAtLocation?: boolean }): string;
  removeItem(inventoryItemId: string): void; // the merchant deleted the variant
  itemIdBySku(sku: string): string | undefined;
  quantityOf(inventoryItemId: string): number | undefined; // 'available' at the default location
  setQuantity(inventoryItemId: string, quantity: number): void; // a manual edit by the merchant (not in history)
  history(inventoryItemId: string): number[]; // every value set through the API, in order
  calls(): ReadonlyArray<ShopifyCall>;
  throttleStatus(token?: string): ThrottleStatus;
  injectFaults(f: ShopifyFaults): void;
  clearFaults(): void;
  setLatency(ms: number): void; // added to every answer, after the work is done
  close(): Promise<void>;
}

function quarterlyBefore(version: string, n: number): string[] {
  const m = /^(\d{4})-(\d{2})$/.exec(version);
  if (!m) return [version];
  let year = Number(m[1]);
  let month = Number(m[2]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.unshift(`${year}-${String(month).padStart(2, '0')}`);
    month -= 3;
    if (month < 1) {
      month += 12;
      year -= 1;
    }
  }
  return out;
}

function nextQuarter(version: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(version);
  if (!m) return version;
  const month = Number(m[2]) + 3;
  return month > 12
    ? `${Number(m[1]) + 1}-${String(month - 12).padStart(2, '0')}`
    : `${m[1]}-${String(month).padStart(2, '0')}`;
}

const json = (value: unknown): string => JSON.stringify(value);

class Simulator implements ShopifySimulator {
  url = '';
  readonly shop: string;
  readonly accessToken: string;
  readonly locationId: string;
  private readonly store: InventoryStore;
  private readonly buckets = new Map<string, LeakyBucket>();
  private readonly callLog: ShopifyCall[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly versions: string[];
  private readonly scopes: ReadonlySet<string>;
  private readonly clock: () => number;
  private faults: (ShopifyFaults & { remaining: number }) | undefined;
  private latencyMs = 0;
  readonly server: Server;

  constructor(private readonly options: ShopifySimulatorOptions) {
    this.clock = options.clock ?? Date.now;
    const handle = options.shop ?? 'stockbridge-test';
    this.shop = handle.includes('.') ? handle : `${handle}.myshopify.com`;
    this.accessToken = options.accessToken ?? `shpat_${randomUUID().replace(/-/g, '')}`;
    this.store = new InventoryStore(handle, this.clock);
    this.locationId = this.store.defaultLocationId;
    const latest = options.apiVersion ?? '2026-10';
    this.versions = options.supportedVersions ?? [...quarterlyBefore(latest, 5), nextQuarter(latest)];
    this.scopes = new Set(
      options.scopes ?? ['read_inventory', 'write_inventory', 'read_locations', 'read_products'],
    );
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(json({ errors: `Simulator failure: ${err instanceof Error ? err.message : String(err)}` }));
        }
      });
    });
  }

  private bucketFor(token: string): LeakyBucket {
    const key = `${this.shop}|${token}`; // per app (token) and store
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const plan = PLAN_RESTORE_RATE[this.options.plan ?? 'standard'];
      const cfg = this.options.bucket ?? { maximumAvailable: plan * 20, restoreRate: plan };
      bucket = new LeakyBucket(cfg.maximumAvailable, cfg.restoreRate, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** The version Shopify would serve: itself, the oldest supported one (fall forward), or none (404). */
  private serve(requested: string): string | undefined {
    if (requested === 'unstable') return requested;
    if (!/^\d{4}-(01|04|07|10)$/.test(requested)) return undefined;
    if (this.versions.includes(requested)) return requested;
    const stable = this.versions.filter((v) => v !== 'unstable').sort();
    const newest = stable[stable.length - 1];
    if (newest === undefined || requested > newest) return undefined;
    return stable.find((v) => v > requested); // a retired version falls forward
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private takeFault(): ShopifyFaults | undefined {
    const f = this.faults;
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults = undefined;
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call: ShopifyCall = {
      operation: '',
      startedAt: this.clock(),
      endedAt: 0,
      throttled: false,
      status: 0,
      items: 0,
    };
    const releases: Array<() => void> = [];
    res.on('close', () => {
      call.endedAt = this.clock();
      call.status = res.headersSent ? res.statusCode : 0;
      this.callLog.push(call);
      releases.forEach((release) => release());
    });
    const body = await readBody(req);
    Object.assign(call, describe(body));

    const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
      if (res.destroyed) return;
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Request-Id': randomUUID(),
        ...headers,
      });
      res.end(payload);
    };

    const fault = this.takeFault();
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault?.timeout === true || fault?.timeout === 'before-apply') return; // hold the request; never answer
    if (fault?.status === 429) {
      call.throttled = true;
      return send(
        429,
        json({
          errors:
            'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
        }),
        {
          'Retry-After': (fault.retryAfterSec ?? 2).toFixed(1),
        },
      );
    }
    if (fault?.status !== undefined) return sendServerError(res, fault.status, fault.retryAfterSec);

    const m = /^\/admin\/api\/([^/]+)\/graphql\.json(\?.*)?$/.exec(req.url ?? '');
    if (!m || req.method !== 'POST') return send(404, json({ errors: 'Not Found' }));
    const token = req.headers['x-shopify-access-token'];
    if (token !== this.accessToken) return send(401, json({ errors: INVALID_TOKEN_MESSAGE }));
    const version = this.serve(m[1] ?? '');
    if (version === undefined) return send(404, json({ errors: 'Not Found' }));

    const answer = this.graphql(body, version, token, (release) => releases.push(release));
    call.throttled = answer.throttled;
    if (fault?.timeout === 'after-apply') return; // the work is done but the answer is lost
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    send(answer.status, json(answer.body), { 'X-Shopify-API-Version': version });
  }

  private graphql(
    rawBody: string,
    version: string,
    token: string,
    onResponded: (release: () => void) => void,
  ): { status: number; body: unknown; throttled: boolean } {
    const bucket = this.bucketFor(token);
    const cost = (requested: number, actual: number | null): Record_ => ({
      cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() },
    });
    const invalid = (errors: GraphqlError[]): { status: number; body: unknown; throttled: boolean } => ({
      status: 200,
      body: { errors, extensions: cost(0, null) },
      throttled: false,
    });

    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(rawBody);
    } catch {
      return {
        status: 400,
        body: { errors: { query: 'Required parameter missing or invalid' } },
        throttled: false,
      };
    }
    const b = (parsedBody ?? {}) as Record_;
    if (typeof b['query'] !== 'string' || b['query'].trim() === '')
      return {
        status: 400,
        body: { errors: { query: 'Required parameter missing or invalid' } },
        throttled: false,
      };
    const variables = b['variables'] === undefined || b['variables'] === null ? {} : b['variables'];
    if (typeof variables !== 'object' || Array.isArray(variables))
      return invalid([{ message: 'Variables must be an object', extensions: { code: 'BAD_REQUEST' } }]);

    let doc: GraphqlDocument;
    try {
      doc = parseGraphql(b['query']);
    } catch (err) {
      if (!(err instanceof GraphqlSyntaxError)) throw err;
      return invalid([{ message: err.message, locations: [err.loc] }]);
    }
    const opName = typeof b['operationName'] === 'string' ? b['operationName'] : undefined;
    const op = pickOperation(doc, opName);
    if (typeof op === 'string') return invalid([{ message: op }]);

    const ctx: ExecutionContext = {
      variables: { ...(variables as Record_) },
      fragments: doc.fragments,
      errors: [],
    };
    const sim: SimContext = {
      store: this.store,
      version,
      shopDomain: this.shop,
      variables: ctx.variables,
      scopes: this.scopes,
      onResponded,
    };
    const errors = validateOperation(shopifySchema, op, ctx, sim);
    if (errors.length > 0) return invalid(errors);

    const requested = requestedCost(shopifySchema, op, ctx);
    if (requested > MAX_SINGLE_QUERY_COST)
      return {
        status: 200,
        body: {
          errors: [
            {
              message:
                `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).\n\n` +
                'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n' +
                'cost of a query is calculated.\n\n' +
                'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
                'See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n',
              extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_SINGLE_QUERY_COST },
            },
          ],
          extensions: cost(requested, null),
        },
        throttled: false,
      };
    if (!bucket.tryCharge(requested))
      return {
        status: 200,
        body: {
          errors: [
            {
              message: 'Throttled',
              extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
            },
          ],
          extensions: cost(requested, null),
        },
        throttled: true,
      };

    const result = executeOperation(shopifySchema, op, ctx, sim);
    bucket.refund(requested - result.cost);
    return {
      status: 200,
      body: {
        ...(ctx.errors.length > 0 ? { errors: ctx.errors } : {}),
        data: result.data,
        extensions: cost(requested, result.cost),
      },
      throttled: false,
    };
  }

  // ---- test API ----
  addItem(sku: string, quantity = 0, opts: { tracked?: boolean; stockedAtLocation?: boolean } = {}): string {
    return this.store.addItem(sku, quantity, opts);
  }
  removeItem(inventoryItemId: string): void {
    this.store.items.delete(inventoryItemId);
  }
  itemIdBySku(sku: string): string | undefined {
    return this.store.search(`sku:"${sku.replace(/["\\]/g, '\\$&')}"`)[0]?.id;
  }
  quantityOf(inventoryItemId: string): number | undefined {
    return this.store.items.get(inventoryItemId)?.levels.get(this.locationId)?.available;
  }
  setQuantity(inventoryItemId: string, quantity: number): void {
    const level = this.store.items.get(inventoryItemId)?.levels.get(this.locationId);
    if (!level) throw new Error(`setQuantity: ${inventoryItemId} is not stocked at ${this.locationId}`);
    level.available = quantity;
    level.updatedAt = this.store.now();
  }
  history(inventoryItemId: string): number[] {
    return [...(this.store.items.get(inventoryItemId)?.history ?? [])];
  }
  calls(): ReadonlyArray<ShopifyCall> {
    return [...this.callLog];
  }
  throttleStatus(token: string = this.accessToken): ThrottleStatus {
    return this.bucketFor(token).status();
  }
  injectFaults(f: ShopifyFaults): void {
    this.faults = { ...f, remaining: f.count ?? Number.POSITIVE_INFINITY };
  }
  clearFaults(): void {
    this.faults = undefined;
  }
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }
  async close(): Promise<void> {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    if (!this.server.listening) return; // closing twice is harmless
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

function pickOperation(doc: GraphqlDocument, name: string | undefined): OperationNode | string {
  if (name !== undefined)
    return doc.operations.find((o) => o.name === name) ?? `No operation named "${name}"`;
  if (doc.operations.length === 1 && doc.operations[0]) return doc.operations[0];
  return doc.operations.length === 0 ? 'No operations in query document' : 'An operation name is required';
}

function sendServerError(res: ServerResponse, status: 500 | 502 | 503, retryAfterSec?: number): void {
  const headers: Record<string, string> = { 'X-Request-Id': randomUUID() };
  if (retryAfterSec !== undefined) headers['Retry-After'] = String(retryAfterSec);
  if (status === 500) {
    res.writeHead(500, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(json({ errors: 'Internal Server Error' }));
    return;
  }
  // Shopify's edge answers gateway trouble with an HTML page, not JSON
  const title = status === 502 ? '502 Bad Gateway' : '503 Service Unavailable';
  res.writeHead(status, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
  res.end(
    `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>There was a problem loading this website. Please try again.</p></body></html>`,
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What a request asks for, for calls(): best effort, never throws. */
function describe(body: string): Pick<ShopifyCall, 'operation' | 'items'> {
  try {
    const b = JSON.parse(body) as Record_;
    const doc = parseGraphql(String(b['query']));
    const op = pickOperation(doc, typeof b['operationName'] === 'string' ? b['operationName'] : undefined);
    if (typeof op === 'string') return { operation: '', items: 0 };
    const variables = (b['variables'] ?? {}) as Record_;
    const fields = op.selections.flatMap((s) => (s.kind === 'field' ? [s] : []));
    let items = 0;
    for (const f of fields) {
      const args = Object.fromEntries(f.args.map((a) => [a.name, valueOf(a.value, variables)]));
      if (f.name === 'inventorySetQuantities') {
        const q = (args['input'] as Record_ | undefined)?.['quantities'];
        items += Array.isArray(q) ? q.length : 0;
      } else if (f.name === 'nodes') items += Array.isArray(args['ids']) ? args['ids'].length : 0;
      else if (f.name === 'inventoryItems')
        items += typeof args['query'] === 'string' ? parseSearch(args['query']).length : 0;
      else items += 1;
    }
    return { operation: fields.map((f) => f.name).join(','), items };
  } catch {
    return { operation: '', items: 0 };
  }
}

export async function startShopifySimulator(
  options: ShopifySimulatorOptions = {},
): Promise<ShopifySimulator> {
  const sim = new Simulator(options);
  await new Promise<void>((resolve, reject) => {
    sim.server.once('error', reject);
    sim.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  sim.url = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
  return sim;
}
