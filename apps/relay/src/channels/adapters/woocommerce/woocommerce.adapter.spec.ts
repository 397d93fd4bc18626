import {
  startWooCommerceSimulator,
  type WooCommerceSimulator,
  type WooListing,
} from '../../../../../../test/simulators/woocommerce/woocommerce-simulator';
import type { AdapterHttpOptions } from '../adapter-http';
import { ChannelCallError, type ListingTarget, type QuantityUpdate } from '../channel-adapter';
import { WooCommerceAdapter } from './woocommerce.adapter';

describe('WooCommerceAdapter against the WooCommerce simulator', () => {
  let sim: WooCommerceSimulator;
  beforeEach(async () => {
    sim = await startWooCommerceSimulator();
  });
  afterEach(() => sim.close());

  const adapter = (
    options: AdapterHttpOptions = {},
    config: Record<string, unknown> = {},
    creds = sim.credentials,
  ) =>
    new WooCommerceAdapter(
      { kind: 'woocommerce', config: { baseUrl: sim.url, ...config }, credentials: { ...creds } },
      { timeoutMs: 2_000, ...options },
    );
  const target = (
    sku: string,
    l: Pick<WooListing, 'externalId'> & { extra: Record<string, unknown> },
  ): ListingTarget => ({
    listingId: `L-${sku}`,
    sku,
    externalId: l.externalId,
    extra: l.extra,
  });
  const update = (sku: string, l: Parameters<typeof target>[1], quantity: number): QuantityUpdate => ({
    target: target(sku, l),
    quantity,
  });
  const ctx = { idempotencyKey: 'k-1' };

  it('sets exact quantities: simple products in one batch, variations in one batch per parent', async () => {
    const a = sim.addListing('A', 1);
    const b = sim.addListing('B', 2);
    const v1 = sim.addListing('SHIRT-S', 3, { parentSku: 'SHIRT' });
    const v2 = sim.addListing('SHIRT-M', 4, { parentSku: 'SHIRT' });
    const result = await adapter().pushQuantities(
      [update('A', a, 10), update('B', b, 0), update('SHIRT-S', v1, 7), update('SHIRT-M', v2, 8)],
      ctx,
    );
    expect(result.items).toEqual(
      expect.arrayContaining([
        { listingId: 'L-A', ok: true, quantity: 10 },
        { listingId: 'L-B', ok: true, quantity: 0 },
        { listingId: 'L-SHIRT-S', ok: true, quantity: 7 },
        { listingId: 'L-SHIRT-M', ok: true, quantity: 8 },
      ]),
    );
    expect([a, b, v1, v2].map((l) => sim.quantityOf(l.externalId))).toEqual([10, 0, 7, 8]);
    expect(sim.product(b.externalId).stock_status).toBe('outofstock');
    expect(sim.history(a.externalId)).toEqual([1, 10]);
    expect(sim.calls().map((c) => [c.operation, c.status, c.items])).toEqual([
      ['products.batch', 200, 2],
      ['variations.batch', 200, 2],
    ]);
  });

  it('proves the manage_stock gate: a raw PUT without it changes nothing, the adapter push sets it', async () => {
    const g = sim.addListing('GATED', undefined, { manageStock: false });
    const raw = await fetch(`${sim.url}/wp-json/wc/v3/products/${g.externalId}`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.credentials.consumerKey}:${sim.credentials.consumerSecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ stock_quantity: 5 }),
    });
    expect(raw.status).toBe(200); // WooCommerce reports success...
    expect(((await raw.json()) as { stock_quantity: unknown }).stock_quantity).toBeNull(); // ...and kept nothing
    expect(sim.quantityOf(g.externalId)).toBeNull();

    const result = await adapter().pushQuantities([update('GATED', g, 5)], ctx);
    expect(result.items).toEqual([{ listingId: 'L-GATED', ok: true, quantity: 5 }]);
    expect(sim.quantityOf(g.externalId)).toBe(5);
    expect(sim.product(g.externalId).manage_stock).toBe(true);
  });

  it('reports a product whose type cannot hold stock as a permanent NOT_APPLIED failure', async () => {
    const grouped = sim.addListing('BUNDLE', undefined, { type: 'grouped' });
    const { items } = await adapter().pushQuantities([update('BUNDLE', grouped, 4)], ctx);
    expect(items).toEqual([
      expect.objectContaining({ listingId: 'L-BUNDLE', ok: false, permanent: true, code: 'NOT_APPLIED' }),
    ]);
    expect(items[0]?.ok === false && items[0].message).toContain("product type 'grouped'");
  });

  it('maps a per-item invalid id in a 200 batch to permanent not-found and applies the rest', async () => {
    const a = sim.addListing('A', 1);
    const gone = { externalId: '999999', extra: {} };
    const { items } = await adapter().pushQuantities([update('A', a, 6), update('GONE', gone, 3)], ctx);
    expect(items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 6 },
      {
        listingId: 'L-GONE',
        ok: false,
        permanent: true,
        code: 'not-found',
        message: 'WooCommerce product 999999: Invalid ID. (woocommerce_rest_product_invalid_id)',
      },
    ]);
    expect(sim.quantityOf(a.externalId)).toBe(6);
  });

  it('splits a batch the site refuses with 413 and remembers the smaller limit', async () => {
    sim.setBatchLimit(2);
    const listings = ['P1', 'P2', 'P3', 'P4', 'P5'].map((sku) => [sku, sim.addListing(sku, 0)] as const);
    const woo = adapter();
    const { items } = await woo.pushQuantities(
      listings.map(([sku, l], i) => update(sku, l, i + 1)),
      ctx,
    );
    expect(items.every((i) => i.ok)).toBe(true);
    expect(listings.map(([, l]) => sim.quantityOf(l.externalId))).toEqual([1, 2, 3, 4, 5]);
    expect(sim.calls()[0]).toMatchObject({ operation: 'products.batch', status: 413, items: 5 });
    expect(woo.maxBatchSize).toBeLessThanOrEqual(2);
  });

  it('throws throttled with retryAfterMs on 429, and on 503 with Retry-After', async () => {
    const a = sim.addListing('A', 1);
    sim.injectFaults({ status: 429, retryAfterSec: 3 });
    const err = await adapter()
      .pushQuantities([update('A', a, 2)], ctx)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelCallError);
    expect(err).toMatchObject({
      kind: 'throttled',
      status: 429,
      rate: { retryAfterMs: 3000 },
      retryable: true,
    });

    sim.injectFaults({ status: 503, retryAfterSec: 1 });
    await expect(adapter().pushQuantities([update('A', a, 2)], ctx)).rejects.toMatchObject({
      kind: 'throttled',
      rate: { retryAfterMs: 1000 },
    });
    expect(sim.quantityOf(a.externalId)).toBe(1);
  });

  it('throws server on 5xx without Retry-After', async () => {
    const a = sim.addListing('A', 1);
    sim.injectFaults({ status: 503 });
    await expect(adapter().pushQuantities([update('A', a, 2)], ctx)).rejects.toMatchObject({
      kind: 'server',
      status: 503,
    });
    sim.injectFaults({ status: 500 });
    await expect(adapter().pushQuantities([update('A', a, 2)], ctx)).rejects.toMatchObject({
      kind: 'server',
      status: 500,
    });
  });

  it("throws auth with WooCommerce's message on bad credentials; testConnection passes with good ones", async () => {
    const bad = adapter({}, {}, { ...sim.credentials, consumerSecret: 'cs_wrong' });
    await expect(bad.testConnection()).rejects.toMatchObject({
      kind: 'auth',
      status: 401,
      message:
        'WooCommerce GET /products: HTTP 401 woocommerce_rest_authentication_error: Consumer secret is invalid.',
    });
    const a = sim.addListing('A', 1);
    await expect(bad.pushQuantities([update('A', a, 2)], ctx)).rejects.toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    await expect(adapter().testConnection()).resolves.toBeUndefined();
    await expect(adapter({}, { queryStringAuth: true }).testConnection()).resolves.toBeUndefined();
  });

  it('throws timeout when the shop does not answer in time', async () => {
    const a = sim.addListing('A', 1);
    sim.injectFaults({ timeout: true });
    await expect(adapter({ timeoutMs: 150 }).pushQuantities([update('A', a, 2)], ctx)).rejects.toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
  });

  it('keeps the first call’s successes when a later call of the same push fails', async () => {
    const a = sim.addListing('A', 1);
    const v = sim.addListing('TEE-S', 1, { parentSku: 'TEE' });
    let n = 0;
    const woo = adapter({
      fetch: (input, init) => {
        if (++n === 2) sim.injectFaults({ status: 429, retryAfterSec: 2 });
        return fetch(input, init);
      },
    });
    const result = await woo.pushQuantities([update('A', a, 5), update('TEE-S', v, 6)], ctx);
    expect(result.items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 5 },
      expect.objectContaining({ listingId: 'L-TEE-S', ok: false, permanent: false, code: 'call-throttled' }),
    ]);
    expect(result.rate).toEqual({ retryAfterMs: 2000 });
  });

  it('reads quantities: managed, unmanaged (Infinity), variation, unknown (null)', async () => {
    const a = sim.addListing('A', 4);
    const free = sim.addListing('FREE', undefined, { manageStock: false });
    const v = sim.addListing('CAP-L', 9, { parentSku: 'CAP' });
    sim.setQuantity(a.externalId, 12); // a manual edit in wp-admin
    const read = await adapter().readQuantities([
      target('A', a),
      target('FREE', free),
      target('CAP-L', v),
      target('GONE', { externalId: '424242', extra: {} }),
    ]);
    expect(Object.fromEntries(read)).toEqual({ 'L-A': 12, 'L-FREE': Infinity, 'L-CAP-L': 9, 'L-GONE': null });
  });

  it('looks up SKUs by ?sku=, variations only when useVariations is on', async () => {
    const a = sim.addListing('A', 1);
    const v = sim.addListing('MUG-RED', 1, { parentSku: 'MUG' });
    const plain = await adapter().lookupSkus(['A', 'MUG-RED', 'NOPE']);
    expect(Object.fromEntries(plain)).toEqual({ A: { externalId: a.externalId, extra: { type: 'simple' } } });
    const withVariations = await adapter({}, { useVariations: true }).lookupSkus(['A', 'MUG-RED', 'NOPE']);
    expect(Object.fromEntries(withVariations)).toEqual({
      A: { externalId: a.externalId, extra: { type: 'simple' } },
      'MUG-RED': { externalId: v.externalId, extra: { parentId: v.extra.parentId, type: 'variation' } },
    });
  });

  it('rejects a connection without credentials, naming the field', () => {
    expect(
      () =>
        new WooCommerceAdapter({
          kind: 'woocommerce',
          config: { baseUrl: sim.url },
          credentials: { consumerKey: 'ck' },
        }),
    ).toThrow('woocommerce channel credentials.consumerSecret: expected a non-empty string');
  });
});
