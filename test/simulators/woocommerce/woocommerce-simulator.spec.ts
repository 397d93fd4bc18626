import { startWooCommerceSimulator, type WooCommerceSimulator } from './woocommerce-simulator';

describe('WooCommerce simulator wire details', () => {
  let sim: WooCommerceSimulator;
  beforeEach(async () => {
    sim = await startWooCommerceSimulator({ batchLimit: 3 });
  });
  afterEach(() => sim.close());
  const basic = (): string =>
    `Basic ${Buffer.from(`${sim.credentials.consumerKey}:${sim.credentials.consumerSecret}`).toString('base64')}`;
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${sim.url}/wp-json/wc/v3${path}`, {
      ...init,
      headers: { authorization: basic(), 'content-type': 'application/json', ...init.headers },
    });

  it('answers anonymous calls with woocommerce_rest_cannot_view and unknown routes with rest_no_route', async () => {
    const anon = await fetch(`${sim.url}/wp-json/wc/v3/products`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({
      code: 'woocommerce_rest_cannot_view',
      message: 'Sorry, you cannot list resources.',
      data: { status: 401 },
    });
    expect(await (await api('/orders')).json()).toMatchObject({
      code: 'rest_no_route',
      data: { status: 404 },
    });
  });

  it('counts create+update+delete together against the batch limit (413)', async () => {
    const res = await api('/products/batch', {
      method: 'POST',
      body: JSON.stringify({ create: [{ sku: 'N1' }, { sku: 'N2' }], update: [{ id: 1 }], delete: [2] }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: 'woocommerce_rest_request_entity_too_large',
      message: 'Unable to accept more than 3 items for this request.',
      data: { status: 413 },
    });
  });

  it('pages lists with X-WP-Total / X-WP-TotalPages and rejects per_page above 100', async () => {
    ['A', 'B', 'C'].forEach((s) => sim.addListing(s, 1));
    const page = await api('/products?per_page=2&page=2');
    expect([page.headers.get('x-wp-total'), page.headers.get('x-wp-totalpages')]).toEqual(['3', '2']);
    expect(((await page.json()) as unknown[]).length).toBe(1);
    expect(page.headers.get('link')).toContain('rel="prev"');
    expect((await api('/products?per_page=101')).status).toBe(400);
  });

  it('models PHP cost: a batch of n items takes n × the per-item latency', async () => {
    const ids = ['A', 'B', 'C'].map((s) => Number(sim.addListing(s, 1).externalId));
    sim.setPerItemLatency(40);
    const t0 = Date.now();
    await api('/products/batch', {
      method: 'POST',
      body: JSON.stringify({ update: ids.map((id) => ({ id, manage_stock: true, stock_quantity: 2 })) }),
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    expect(sim.calls()[0]).toMatchObject({ operation: 'products.batch', items: 3, status: 200 });
  });
});
