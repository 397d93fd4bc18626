import {
  type CallRecord,
  type FaultSpec,
  isRecord,
  QuantityHistory,
  type SimReply,
  type SimRequest,
  type SimRoute,
  sleep,
  startSimServer,
} from '../sim-kit';

/**
 * WooCommerce REST API v3 (`/wp-json/wc/v3`) as the fact sheet (§2) describes it: products and variations keyed
 * by id, Basic auth with consumer key/secret, the manage_stock gate (stock_quantity is silently ignored unless
 * stock is managed), stock_status recomputed, batch cap counted across create+update+delete (413 above it),
 * per-item error objects inside an HTTP 200, X-WP-Total paging. Core WooCommerce has no rate limiter; 429/503
 * only appear when injected (as a host or WAF would send them).
 */

export type WooProductType = 'simple' | 'variable' | 'variation' | 'grouped' | 'external';
type StockStatus = 'instock' | 'outofstock' | 'onbackorder';
type Backorders = 'no' | 'notify' | 'yes';

export interface WooProduct {
  id: number;
  name: string;
  sku: string;
  type: WooProductType;
  parent_id: number;
  manage_stock: boolean;
  stock_quantity: number | null;
  stock_status: StockStatus;
  backorders: Backorders;
  date_modified_gmt: string;
}

export interface WooSimulatorOptions {
  port?: number;
  consumerKey?: string;
  consumerSecret?: string;
  batchLimit?: number; // woocommerce_rest_batch_items_limit, default 100
  perItemLatencyMs?: number; // models PHP cost: a batch of n items takes n × this
}

export interface WooListingOptions {
  /** Default: true when a quantity is given (WooCommerce's own default is false). */
  manageStock?: boolean;
  type?: Exclude<WooProductType, 'variation'>;
  /** Makes the listing a variation of this variable product (created on first use). */
  parentSku?: string;
  backorders?: Backorders;
}

/** The ids a listing has on WooCommerce, in the shape a channel listing target uses. */
export interface WooListing {
  externalId: string; // product or variation id
  extra: { parentId?: number; type: WooProductType };
}

export interface WooCredentials {
  consumerKey: string;
  consumerSecret: string;
}

export interface WooCommerceSimulator {
  url: string; // the shop's base URL; the API lives under /wp-json/wc/v3
  credentials: WooCredentials;
  addListing(sku: string, quantity?: number, opts?: WooListingOptions): WooListing;
  product(externalId: string): WooProduct;
  /** stock_quantity as the shop holds it; null when stock is not managed. */
  quantityOf(externalId: string): number | null;
  /** A manual edit in wp-admin: ticks "manage stock" and sets the quantity. */
  setQuantity(externalId: string, quantity: number): void;
  /** Every quantity written to the listing (including its initial one), oldest first. */
  history(externalId: string): number[];
  calls(): CallRecord[];
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setPerItemLatency(ms: number): void;
  setBatchLimit(limit: number): void;
  close(): Promise<void>;
}

const API = '/wp-json/wc/v3';

interface WooError {
  code: string;
  message: string;
  status: number;
  params?: Record<string, string>;
}

const errorBody = (e: WooError): Record<string, unknown> => ({
  code: e.code,
  message: e.message,
  data: e.params ? { status: e.status, params: e.params } : { status: e.status },
});
const errorReply = (e: WooError, headers?: Record<string, string>): SimReply => ({
  status: e.status,
  body: errorBody(e),
  ...(headers ? { headers } : {}),
});
const invalidParam = (name: string, why: string): WooError => ({
  code: 'rest_invalid_param',
  message: `Invalid parameter(s): ${name}`,
  status: 400,
  params: { [name]: why },
});

export async function startWooCommerceSimulator(
  options: WooSimulatorOptions = {},
): Promise<WooCommerceSimulator> {
  const credentials: WooCredentials = {
    consumerKey: options.consumerKey ?? 'ck_simulated0000000000000000000000000000000',
    consumerSecret: options.consumerSecret ?? 'cs_simulated0000000000000000000000000000000',
  };
  let batchLimit = options.batchLimit ?? 100;
  let perItemLatencyMs = options.perItemLatencyMs ?? 0;
  const products = new Map<number, WooProduct>();
  const history = new QuantityHistory();
  let nextId = 100;

  const now = (): string => new Date().toISOString().slice(0, 19);

  /** What WC_Product::validate_props does on save when stock is managed (threshold 0, "notify no stock"). */
  const recomputeStatus = (p: WooProduct): void => {
    if (!p.manage_stock || p.stock_quantity === null) return;
    if (p.stock_quantity > 0) p.stock_status = 'instock';
    else p.stock_status = p.backorders === 'no' ? 'outofstock' : 'onbackorder';
  };

  const writeQuantity = (p: WooProduct, q: number): void => {
    p.stock_quantity = q;
    recomputeStatus(p);
    history.push(String(p.id), q);
  };

  const canManageStock = (type: WooProductType): boolean => type !== 'grouped' && type !== 'external';

  const parentOf = (p: WooProduct): WooProduct | undefined => products.get(p.parent_id);

  /** The JSON WooCommerce returns for a product or a variation. */
  const toJson = (p: WooProduct): Record<string, unknown> => {
    const parent = parentOf(p);
    // a variation that does not manage its own stock but whose parent does reports "parent"
    const manage =
      p.type === 'variation' && !p.manage_stock && parent?.manage_stock ? 'parent' : p.manage_stock;
    return {
      id: p.id,
      name: p.name,
      type: p.type === 'variation' ? undefined : p.type,
      status: 'publish',
      sku: p.sku,
      parent_id: p.parent_id,
      manage_stock: manage,
      stock_quantity: manage === 'parent' ? (parent?.stock_quantity ?? null) : p.stock_quantity,
      stock_status: p.stock_status,
      backorders: p.backorders,
      date_modified_gmt: p.date_modified_gmt,
    };
  };

  const skuTaken = (sku: string, exceptId?: number): boolean =>
    sku !== '' && [...products.values()].some((p) => p.sku === sku && p.id !== exceptId);

  const createProduct = (fields: Partial<WooProduct> & { sku: string }): WooProduct => {
    const p: WooProduct = {
      id: nextId++,
      name: fields.name ?? fields.sku,
      sku: fields.sku,
      type: fields.type ?? 'simple',
      parent_id: fields.parent_id ?? 0,
      manage_stock: false,
      stock_quantity: null,
      stock_status: 'instock',
      backorders: fields.backorders ?? 'no',
      date_modified_gmt: now(),
    };
    products.set(p.id, p);
    return p;
  };

  /**
   * The stock part of WC_REST_Products_Controller::prepare_object_for_database: manage_stock first, then
   * stock_quantity only if stock is managed, otherwise the quantity is blanked (the silent no-op).
   */
  const applyFields = (p: WooProduct, input: Record<string, unknown>): WooError | undefined => {
    const {
      manage_stock: manage,
      stock_quantity: qty,
      inventory_delta: delta,
      backorders,
      sku,
      name,
    } = input;
    if (manage !== undefined && typeof manage !== 'boolean')
      return invalidParam('manage_stock', 'manage_stock is not of type boolean.');
    if (qty !== undefined && qty !== null && !Number.isSafeInteger(qty))
      return invalidParam('stock_quantity', 'stock_quantity is not of type integer.');
    if (delta !== undefined && !Number.isSafeInteger(delta))
      return invalidParam('inventory_delta', 'inventory_delta is not of type integer.');
    if (backorders !== undefined && backorders !== 'no' && backorders !== 'notify' && backorders !== 'yes')
      return invalidParam('backorders', 'backorders is not one of no, notify, and yes.');
    if (sku !== undefined) {
      if (typeof sku !== 'string') return invalidParam('sku', 'sku is not of type string.');
      if (skuTaken(sku, p.id))
        return { code: 'product_invalid_sku', message: 'Invalid or duplicated SKU.', status: 400 };
      p.sku = sku;
    }
    if (typeof name === 'string') p.name = name;
    if (backorders !== undefined) p.backorders = backorders;
    if (typeof manage === 'boolean') p.manage_stock = manage && canManageStock(p.type);
    if (p.manage_stock) {
      if (typeof qty === 'number') writeQuantity(p, qty);
      else if (typeof delta === 'number') writeQuantity(p, (p.stock_quantity ?? 0) + delta);
      else recomputeStatus(p);
    } else {
      p.stock_quantity = null; // stock_quantity sent without manage_stock: silently dropped
      p.backorders = 'no';
      if (
        input.stock_status === 'instock' ||
        input.stock_status === 'outofstock' ||
        input.stock_status === 'onbackorder'
      )
        p.stock_status = input.stock_status;
    }
    p.date_modified_gmt = now();
    return undefined;
  };

  const invalidId = (variation: boolean, status: number): WooError => ({
    code: variation ? 'woocommerce_rest_product_variation_invalid_id' : 'woocommerce_rest_product_invalid_id',
    message: 'Invalid ID.',
    status,
  });

  /** A product, or a variation of `parentId` when given; never the other kind. */
  const find = (id: unknown, parentId?: number): WooProduct | undefined => {
    const p = typeof id === 'number' || typeof id === 'string' ? products.get(Number(id)) : undefined;
    if (!p) return undefined;
    if (parentId === undefined) return p.type === 'variation' ? undefined : p;
    return p.type === 'variation' && p.parent_id === parentId ? p : undefined;
  };

  // --- auth ------------------------------------------------------------------------------------------------
  type Action = 'list' | 'view' | 'edit' | 'batch';
  const denied: Record<Action, WooError> = {
    list: { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', status: 401 },
    view: {
      code: 'woocommerce_rest_cannot_view',
      message: 'Sorry, you cannot view this resource.',
      status: 401,
    },
    edit: {
      code: 'woocommerce_rest_cannot_edit',
      message: 'Sorry, you are not allowed to edit this resource.',
      status: 401,
    },
    batch: {
      code: 'woocommerce_rest_cannot_batch',
      message: 'Sorry, you are not allowed to batch manipulate this resource.',
      status: 401,
    },
  };

  /** WC_REST_Authentication: Basic (HTTPS) or consumer_key/consumer_secret query parameters. */
  const authError = (req: SimRequest, action: Action): WooError | undefined => {
    let key: string | null = req.url.searchParams.get('consumer_key');
    let secret: string | null = req.url.searchParams.get('consumer_secret');
    const auth = req.header('authorization');
    if (auth?.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      key = colon >= 0 ? decoded.slice(0, colon) : decoded;
      secret = colon >= 0 ? decoded.slice(colon + 1) : '';
    }
    if (key === null) return denied[action]; // anonymous: the permission check fails
    if (key !== credentials.consumerKey)
      return {
        code: 'woocommerce_rest_authentication_error',
        message: 'Consumer key is invalid.',
        status: 401,
      };
    if (secret !== credentials.consumerSecret)
      return {
        code: 'woocommerce_rest_authentication_error',
        message: 'Consumer secret is invalid.',
        status: 401,
      };
    return undefined;
  };

  const readJsonObject = (req: SimRequest): Record<string, unknown> | WooError => {
    try {
      const body = req.body.length === 0 ? {} : req.json();
      return isRecord(body) ? body : {};
    } catch {
      return { code: 'rest_invalid_json', message: 'Invalid JSON body passed.', status: 400 };
    }
  };
  const isError = (v: unknown): v is WooError => isRecord(v) && typeof v.code === 'string' && 'status' in v;

  // --- handlers --------------------------------------------------------------------------------------------
  const list = (req: SimRequest, parentId?: number): SimReply => {
    const denial = authError(req, 'list');
    if (denial) return errorReply(denial);
    const q = req.url.searchParams;
    const perPage = Number(q.get('per_page') ?? '10');
    const page = Number(q.get('page') ?? '1');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      return errorReply(
        invalidParam('per_page', 'per_page must be between 1 (inclusive) and 100 (inclusive)'),
      );
    if (!Number.isInteger(page) || page < 1)
      return errorReply(invalidParam('page', 'page must be greater than 0'));
    const csv = (name: string): string[] | undefined =>
      q
        .get(name)
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    const skus = csv('sku');
    const include = csv('include')?.map(Number);
    const type = q.get('type');
    const all = [...products.values()]
      .filter((p) =>
        parentId === undefined ? p.type !== 'variation' : p.type === 'variation' && p.parent_id === parentId,
      )
      .filter((p) => !skus || skus.includes(p.sku))
      .filter((p) => !include || include.includes(p.id))
      .filter((p) => !type || p.type === type)
      .sort((a, b) => b.id - a.id); // newest first, like the default orderby=date
    const totalPages = Math.ceil(all.length / perPage);
    const path = req.url.pathname;
    const link = (n: number, rel: string): string => {
      const u = new URLSearchParams(q);
      u.set('page', String(n));
      return `<${path}?${u.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      ...(page < totalPages ? [link(page + 1, 'next')] : []),
    ];
    return {
      status: 200,
      body: all.slice((page - 1) * perPage, page * perPage).map(toJson),
      headers: {
        'x-wp-total': String(all.length),
        'x-wp-totalpages': String(totalPages),
        ...(links.length ? { link: links.join(', ') } : {}),
      },
    };
  };

  const getOne = (req: SimRequest, id: string, parentId?: number): SimReply => {
    const denial = authError(req, 'view');
    if (denial) return errorReply(denial);
    const p = find(id, parentId);
    return p ? { status: 200, body: toJson(p) } : errorReply(invalidId(parentId !== undefined, 404));
  };

  const updateOne = async (req: SimRequest, id: string, parentId?: number): Promise<SimReply> => {
    const denial = authError(req, 'edit');
    if (denial) return errorReply(denial);
    const input = readJsonObject(req);
    if (isError(input)) return errorReply(input);
    await sleep(perItemLatencyMs);
    const p = find(id, parentId);
    if (!p) return errorReply(invalidId(parentId !== undefined, 400));
    const err = applyFields(p, input);
    return err ? errorReply(err) : { status: 200, body: toJson(p) };
  };

  const batch = async (req: SimRequest, parentId?: number): Promise<SimReply> => {
    const denial = authError(req, 'batch');
    if (denial) return errorReply(denial);
    const variation = parentId !== undefined;
    if (variation) {
      const parent = products.get(parentId);
      if (!parent || parent.type !== 'variable') return errorReply(invalidId(false, 404));
    }
    const input = readJsonObject(req);
    if (isError(input)) return errorReply(input);
    const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    const [create, update, del] = [arr(input.create), arr(input.update), arr(input.delete)];
    const total = create.length + update.length + del.length;
    if (total > batchLimit)
      return errorReply({
        code: 'woocommerce_rest_request_entity_too_large',
        message: `Unable to accept more than ${batchLimit} items for this request.`,
        status: 413,
      });
    await sleep(perItemLatencyMs * total);
    const failed = (id: unknown, e: WooError): Record<string, unknown> => ({ id, error: errorBody(e) });
    const out: Record<string, unknown[]> = {};
    if (create.length) {
      out.create = create.map((item) => {
        if (!isRecord(item)) return failed(0, invalidParam('create', 'item is not an object.'));
        const sku = typeof item.sku === 'string' ? item.sku : '';
        if (skuTaken(sku))
          return failed(0, {
            code: 'product_invalid_sku',
            message: 'Invalid or duplicated SKU.',
            status: 400,
          });
        const type = variation ? 'variation' : item.type;
        const p = createProduct({
          sku,
          ...(typeof item.name === 'string' ? { name: item.name } : {}),
          type:
            type === 'variable' || type === 'grouped' || type === 'external' || type === 'variation'
              ? type
              : 'simple',
          ...(variation ? { parent_id: parentId } : {}),
        });
        const err = applyFields(p, item);
        if (err) {
          products.delete(p.id);
          return failed(0, err);
        }
        return toJson(p);
      });
    }
    if (update.length) {
      out.update = update.map((item) => {
        const id = isRecord(item) ? item.id : undefined;
        const p = find(id, parentId);
        if (!p || !isRecord(item)) return failed(id ?? 0, invalidId(variation, 400));
        const err = applyFields(p, item);
        return err ? failed(p.id, err) : toJson(p);
      });
    }
    if (del.length) {
      out.delete = del.map((id) => {
        const p = find(id, parentId);
        if (!p) return failed(id, invalidId(variation, 404));
        products.delete(p.id);
        return toJson(p);
      });
    }
    return { status: 200, body: out };
  };

  const batchItems = (req: SimRequest): number => {
    const body = req.json();
    if (!isRecord(body)) return 0;
    return ['create', 'update', 'delete'].reduce(
      (n, k) => n + (Array.isArray(body[k]) ? body[k].length : 0),
      0,
    );
  };

  const route = (method: string, url: URL): SimRoute | undefined => {
    if (!url.pathname.startsWith(`${API}/products`)) return undefined;
    const parts = url.pathname.slice(API.length + 1).split('/'); // products, {id}, variations, {id}
    const [, a, b, c, extra] = parts;
    const write = method === 'PUT' || method === 'PATCH' || method === 'POST';
    if (extra !== undefined) return undefined;
    if (a === undefined && method === 'GET') return { operation: 'products.list', handle: (r) => list(r) };
    if (a === 'batch' && b === undefined && method === 'POST')
      return { operation: 'products.batch', items: batchItems, handle: (r) => batch(r) };
    if (a === undefined || !/^\d+$/.test(a)) return undefined;
    if (b === undefined) {
      if (method === 'GET') return { operation: 'products.get', items: () => 1, handle: (r) => getOne(r, a) };
      if (write) return { operation: 'products.update', items: () => 1, handle: (r) => updateOne(r, a) };
      return undefined;
    }
    if (b !== 'variations') return undefined;
    const parentId = Number(a);
    if (c === undefined && method === 'GET')
      return { operation: 'variations.list', handle: (r) => list(r, parentId) };
    if (c === 'batch' && method === 'POST')
      return { operation: 'variations.batch', items: batchItems, handle: (r) => batch(r, parentId) };
    if (c === undefined || !/^\d+$/.test(c)) return undefined;
    if (method === 'GET')
      return { operation: 'variations.get', items: () => 1, handle: (r) => getOne(r, c, parentId) };
    if (write)
      return { operation: 'variations.update', items: () => 1, handle: (r) => updateOne(r, c, parentId) };
    return undefined;
  };

  const server = await startSimServer({
    port: options.port,
    route,
    notFound: () =>
      errorReply({
        code: 'rest_no_route',
        message: 'No route was found matching the URL and request method.',
        status: 404,
      }),
    faultReply: (status) =>
      // what a host or WAF in front of WordPress sends: not WooCommerce's JSON
      ({
        status,
        text: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
        headers: { 'content-type': 'text/html' },
      }),
  });

  const mustFind = (externalId: string): WooProduct => {
    const p = products.get(Number(externalId));
    if (!p) throw new Error(`WooCommerce simulator: no product or variation with id ${externalId}`);
    return p;
  };

  return {
    url: server.url,
    credentials,
    addListing(sku, quantity, opts = {}) {
      if (skuTaken(sku)) throw new Error(`WooCommerce simulator: SKU ${sku} already exists`);
      let parent: WooProduct | undefined;
      if (opts.parentSku !== undefined) {
        parent = [...products.values()].find((p) => p.sku === opts.parentSku);
        parent ??= createProduct({ sku: opts.parentSku, type: 'variable' });
        if (parent.type !== 'variable')
          throw new Error(`WooCommerce simulator: ${opts.parentSku} is not variable`);
      }
      const p = createProduct({
        sku,
        type: parent ? 'variation' : (opts.type ?? 'simple'),
        ...(parent ? { parent_id: parent.id } : {}),
        ...(opts.backorders ? { backorders: opts.backorders } : {}),
      });
      p.manage_stock = (opts.manageStock ?? quantity !== undefined) && canManageStock(p.type);
      if (p.manage_stock) writeQuantity(p, quantity ?? 0);
      return {
        externalId: String(p.id),
        extra: parent ? { parentId: parent.id, type: p.type } : { type: p.type },
      };
    },
    product: (externalId) => ({ ...mustFind(externalId) }),
    quantityOf: (externalId) => mustFind(externalId).stock_quantity,
    setQuantity(externalId, quantity) {
      const p = mustFind(externalId);
      if (!canManageStock(p.type)) throw new Error(`WooCommerce simulator: a ${p.type} product has no stock`);
      p.manage_stock = true;
      writeQuantity(p, quantity);
    },
    history: (externalId) => history.of(externalId),
    calls: server.calls,
    injectFaults: server.injectFaults,
    clearFaults: server.clearFaults,
    setLatency: server.setLatency,
    setPerItemLatency(ms) {
      perItemLatencyMs = ms;
    },
    setBatchLimit(limit) {
      batchLimit = limit;
    },
    close: server.close,
  };
}
