import {
  startShopifySimulator,
  type ShopifySimulator,
  type ShopifySimulatorOptions,
} from '../../../../../../test/simulators/shopify/shopify-simulator';
import {
  ChannelCallError,
  type ChannelConnection,
  type ListingTarget,
  type QuantityUpdate,
} from '../channel-adapter';
import type { FetchLike } from '../adapter-http';
import { searchValue, ShopifyAdapter, toInventoryItemGid } from './shopify.adapter';

const connectionTo = (sim: ShopifySimulator, config: Record<string, unknown> = {}): ChannelConnection => ({
  kind: 'shopify',
  config: { shopUrl: sim.url, apiVersion: '2026-04', locationId: sim.locationId, ...config },
  credentials: { accessToken: sim.accessToken },
});

const target = (listingId: string, externalId: string, sku = listingId): ListingTarget => ({
  listingId,
  sku,
  externalId,
  extra: {},
});
const update = (listingId: string, externalId: string, quantity: number): QuantityUpdate => ({
  target: target(listingId, externalId),
  quantity,
});

async function callError(promise: Promise<unknown>): Promise<ChannelCallError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ChannelCallError) return err;
    throw err;
  }
  throw new Error('expected a ChannelCallError');
}

describe('ShopifyAdapter', () => {
  let sim: ShopifySimulator;
  let adapter: ShopifyAdapter;
  const start = async (
    options: ShopifySimulatorOptions = {},
    config: Record<string, unknown> = {},
  ): Promise<void> => {
    sim = await startShopifySimulator(options);
    adapter = new ShopifyAdapter(connectionTo(sim, config));
  };
  afterEach(async () => {
    await sim?.close();
  });

  describe('configuration', () => {
    beforeEach(() => start());

    it('names the bad field', () => {
      const base = connectionTo(sim);
      const bad = (
        config: Record<string, unknown>,
        credentials: Record<string, string> = base.credentials,
      ): string => {
        try {
          new ShopifyAdapter({ ...base, config: { ...base.config, ...config }, credentials });
        } catch (err) {
          expect(err).toBeInstanceOf(ChannelCallError);
          return (err as ChannelCallError).message;
        }
        return 'accepted';
      };
      expect(bad({ shopUrl: 'shop.example' })).toBe(
        'shopify channel config.shopUrl: expected an http(s) URL',
      );
      expect(bad({ apiVersion: '2026-05' })).toMatch(
        /^shopify channel config.apiVersion: expected a Shopify API version/,
      );
      expect(bad({ locationId: 'gid://shopify/Product/1' })).toMatch(
        /^shopify channel config.locationId: expected a location gid/,
      );
      expect(bad({}, {})).toBe('shopify channel credentials.accessToken: expected a non-empty string');
      expect(bad({ locationId: '76543210', apiVersion: undefined })).toBe('accepted');
      expect(bad({ locationId: 76543210 })).toBe('accepted');
      expect(bad({ locationId: -1 })).toMatch(/^shopify channel config.locationId: expected a location gid/);
    });

    it('has Shopify limits and ids', () => {
      expect([adapter.kind, adapter.maxBatchSize, adapter.defaultRate]).toEqual([
        'shopify',
        250,
        { capacity: 2000, refillPerSec: 100, costPerCall: 10 },
      ]);
      expect(toInventoryItemGid('123')).toBe('gid://shopify/InventoryItem/123');
      expect(toInventoryItemGid('gid://shopify/ProductVariant/1')).toBeUndefined();
      expect(searchValue('A "b" \\c')).toBe('"A \\"b\\" \\\\c"');
    });
  });

  describe('pushQuantities', () => {
    beforeEach(() => start());

    it('sets every quantity in one idempotent inventorySetQuantities call and reports the rate', async () => {
      const a = sim.addItem('A', 1);
      const b = sim.addItem('B', 9);
      const bodies: string[] = [];
      const recording: FetchLike = (input, init) => {
        bodies.push(typeof init.body === 'string' ? init.body : '');
        return fetch(input, init);
      };
      adapter = new ShopifyAdapter(connectionTo(sim), { fetch: recording });
      const result = await adapter.pushQuantities([update('l-a', a, 5), update('l-b', b, 0)], {
        idempotencyKey: 'push-1',
      });
      expect(result).toEqual({
        items: [
          { listingId: 'l-a', ok: true, quantity: 5 },
          { listingId: 'l-b', ok: true, quantity: 0 },
        ],
        rate: { capacity: 2000, available: 1990, refillPerSec: 100, costPerCall: 10 },
      });
      expect([sim.quantityOf(a), sim.quantityOf(b)]).toEqual([5, 0]);
      expect(sim.calls().map((c) => [c.operation, c.items])).toEqual([['inventorySetQuantities', 2]]);
      const sent = JSON.parse(bodies[0] ?? '{}') as { query: string; variables: { input: unknown } };
      expect(sent.query).toContain('@idempotent(key: "push-1")');
      expect(sent.variables.input).toEqual({
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: 'gid://stockbridge/StockPush/push-1',
        quantities: [
          { inventoryItemId: a, locationId: sim.locationId, quantity: 5, changeFromQuantity: null },
          { inventoryItemId: b, locationId: sim.locationId, quantity: 0, changeFromQuantity: null },
        ],
      });
    });

    it('never applies a retried attempt twice: the same key replays', async () => {
      const a = sim.addItem('A', 1);
      await adapter.pushQuantities([update('l-a', a, 5)], { idempotencyKey: 'attempt-7' });
      sim.setQuantity(a, 4); // an order sold one in between
      const again = await adapter.pushQuantities([update('l-a', a, 5)], { idempotencyKey: 'attempt-7' });
      expect(again.items).toEqual([{ listingId: 'l-a', ok: true, quantity: 5 }]);
      expect([sim.quantityOf(a), sim.history(a)]).toEqual([4, [5]]);
    });

    it('reports rejected rows and re-sends the good ones, so one bad listing never blocks the batch', async () => {
      const good1 = sim.addItem('G1', 0);
      const good2 = sim.addItem('G2', 0);
      const hidden = sim.addItem('H', 0, { stockedAtLocation: false });
      const push = [
        update('l-g1', good1, 3),
        update('l-gone', 'gid://shopify/InventoryItem/999', 1),
        update('l-hidden', hidden, 2),
        update('l-g2', good2, 4),
      ];
      const result = await adapter.pushQuantities(push, { idempotencyKey: 'mixed' });
      expect(result.items).toEqual(
        expect.arrayContaining([
          { listingId: 'l-g1', ok: true, quantity: 3 },
          { listingId: 'l-g2', ok: true, quantity: 4 },
          {
            listingId: 'l-gone',
            ok: false,
            permanent: true,
            code: 'not-found',
            message: expect.stringMatching(
              /^Shopify gid:\/\/shopify\/InventoryItem\/999 \(sku l-gone\): The specified inventory item could not be found\. \(INVALID_INVENTORY_ITEM\)$/,
            ),
          },
          {
            listingId: 'l-hidden',
            ok: false,
            permanent: true,
            code: 'not-found',
            message: expect.stringContaining('ITEM_NOT_STOCKED_AT_LOCATION'),
          },
        ]),
      );
      expect(result.items).toHaveLength(4);
      expect([sim.quantityOf(good1), sim.quantityOf(good2)]).toEqual([3, 4]);
      expect(sim.calls().map((c) => c.items)).toEqual([4, 2]);
      // the whole attempt retried with its key: both calls replay, nothing is applied again
      await adapter.pushQuantities(push, { idempotencyKey: 'mixed' });
      expect(sim.history(good1)).toEqual([3]);
    });

    it('a key reused for other content fails every row retryably with Shopify own code', async () => {
      const a = sim.addItem('A', 0);
      await adapter.pushQuantities([update('l-a', a, 1)], { idempotencyKey: 'reused' });
      const result = await adapter.pushQuantities([update('l-a', a, 2)], { idempotencyKey: 'reused' });
      expect(result.items).toEqual([
        {
          listingId: 'l-a',
          ok: false,
          permanent: false,
          code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          message: expect.stringContaining('cannot be used with different operation parameters'),
        },
      ]);
      expect(sim.history(a)).toEqual([1]);
    });

    it('answers updates Shopify would refuse without calling it', async () => {
      const a = sim.addItem('A', 0);
      const result = await adapter.pushQuantities(
        [update('l-bad-id', 'SKU-7', 1), update('l-neg', a, -2), update('l-frac', a, 1.5)],
        { idempotencyKey: 'k' },
      );
      expect(result.items.map((i) => [i.listingId, i.ok, !i.ok && i.permanent, !i.ok && i.code])).toEqual([
        ['l-bad-id', false, true, 'INVALID_TARGET'],
        ['l-neg', false, true, 'INVALID_QUANTITY'],
        ['l-frac', false, true, 'INVALID_QUANTITY'],
      ]);
      expect(sim.calls()).toHaveLength(0);
    });

    it('sends one row when two listings share an inventory item, and flags a conflict', async () => {
      const a = sim.addItem('A', 0);
      const result = await adapter.pushQuantities(
        [update('l-1', a, 6), update('l-2', a, 6), update('l-3', a, 7)],
        {
          idempotencyKey: 'k',
        },
      );
      expect(result.items).toEqual(
        expect.arrayContaining([
          { listingId: 'l-1', ok: true, quantity: 6 },
          { listingId: 'l-2', ok: true, quantity: 6 },
          expect.objectContaining({ listingId: 'l-3', ok: false, permanent: true, code: 'DUPLICATE_TARGET' }),
        ]),
      );
      expect(sim.calls().map((c) => c.items)).toEqual([1]);
    });

    it('refuses more than 250 updates', async () => {
      const many = Array.from({ length: 251 }, (_, i) => update(`l-${i}`, String(i + 1), 1));
      const err = await callError(adapter.pushQuantities(many, { idempotencyKey: 'k' }));
      expect([err.kind, err.retryable]).toEqual(['validation', false]);
    });

    it('speaks the 2025-10 dialect when pinned to it (ignoreCompareQuantity, no directive)', async () => {
      adapter = new ShopifyAdapter(connectionTo(sim, { apiVersion: '2025-10' }));
      const a = sim.addItem('A', 1);
      const result = await adapter.pushQuantities([update('l-a', a, 8)], { idempotencyKey: 'k' });
      expect(result.items).toEqual([{ listingId: 'l-a', ok: true, quantity: 8 }]);
      expect(sim.quantityOf(a)).toBe(8);
    });
  });

  describe('whole-call failures', () => {
    it('THROTTLED on HTTP 200 → throttled, with the wait computed from throttleStatus', async () => {
      await start({ bucket: { maximumAvailable: 15, restoreRate: 1 } });
      const a = sim.addItem('A', 0);
      await adapter.pushQuantities([update('l-a', a, 1)], { idempotencyKey: 'k1' });
      const err = await callError(adapter.pushQuantities([update('l-a', a, 2)], { idempotencyKey: 'k2' }));
      expect([err.kind, err.retryable, err.status]).toEqual(['throttled', true, 200]);
      expect(err.message).toBe('Shopify inventorySetQuantities: THROTTLED: Throttled');
      // (requested 10 − available 5) / 1 point per second, give or take what refilled meanwhile
      expect(err.rate).toMatchObject({ capacity: 15, refillPerSec: 1, costPerCall: 10 });
      expect(err.rate?.available).toBeGreaterThanOrEqual(5);
      expect(err.rate?.retryAfterMs).toBeLessThanOrEqual(5000);
      expect(err.rate?.retryAfterMs).toBe((10 - (err.rate?.available ?? 0)) * 1000);
      expect(sim.quantityOf(a)).toBe(1);
    });

    it('HTTP 429 → throttled with Retry-After in ms', async () => {
      await start();
      sim.injectFaults({ status: 429, retryAfterSec: 2, count: 1 });
      const err = await callError(
        adapter.pushQuantities([update('l', sim.addItem('A'), 1)], { idempotencyKey: 'k' }),
      );
      expect([err.kind, err.status, err.rate]).toEqual(['throttled', 429, { retryAfterMs: 2000 }]);
    });

    it('5xx → server, with the text of an HTML error page or the JSON error', async () => {
      await start();
      sim.injectFaults({ status: 502, count: 1 });
      const html = await callError(adapter.testConnection());
      expect([html.kind, html.retryable, html.status]).toEqual(['server', true, 502]);
      expect(html.message).toMatch(/^Shopify test connection: HTTP 502: 502 Bad Gateway/);
      sim.injectFaults({ status: 503, retryAfterSec: 7, count: 1 });
      expect((await callError(adapter.testConnection())).rate).toEqual({ retryAfterMs: 7000 });
      sim.injectFaults({ status: 500, count: 1 });
      expect((await callError(adapter.testConnection())).message).toBe(
        'Shopify test connection: HTTP 500: Internal Server Error',
      );
    });

    it('401 → auth with Shopify own message, not retried', async () => {
      await start();
      adapter = new ShopifyAdapter({ ...connectionTo(sim), credentials: { accessToken: 'shpat_revoked' } });
      const err = await callError(
        adapter.pushQuantities([update('l', sim.addItem('A'), 1)], { idempotencyKey: 'k' }),
      );
      expect([err.kind, err.retryable, err.status]).toEqual(['auth', false, 401]);
      expect(err.message).toBe(
        'Shopify inventorySetQuantities: HTTP 401: [API] Invalid API key or access token (unrecognized login or wrong password)',
      );
    });

    it('ACCESS_DENIED (missing write_inventory) → auth', async () => {
      await start({ scopes: ['read_inventory'] });
      const err = await callError(
        adapter.pushQuantities([update('l', sim.addItem('A'), 1)], { idempotencyKey: 'k' }),
      );
      expect([err.kind, err.retryable]).toEqual(['auth', false]);
      expect(err.message).toContain('write_inventory');
    });

    it('refused connection → network; no answer in time → timeout; caller abort → network', async () => {
      await start();
      const url = sim.url;
      await sim.close();
      const refused = await callError(
        new ShopifyAdapter(connectionTo(sim, { shopUrl: url })).testConnection(),
      );
      expect(refused.kind).toBe('network');
      expect(refused.message).toMatch(/^Shopify test connection: .*fetch failed/);

      await start();
      sim.injectFaults({ timeout: true });
      const slow = new ShopifyAdapter(connectionTo(sim), { timeoutMs: 150 });
      const timedOut = await callError(
        slow.pushQuantities([update('l', sim.addItem('A'), 1)], { idempotencyKey: 'k' }),
      );
      expect([timedOut.kind, timedOut.retryable, timedOut.message]).toEqual([
        'timeout',
        true,
        'Shopify inventorySetQuantities: no answer within 150 ms',
      ]);
      const aborted = await callError(
        adapter.pushQuantities([update('l', sim.addItem('B'), 1)], {
          idempotencyKey: 'k2',
          signal: AbortSignal.timeout(50),
        }),
      );
      expect([aborted.kind, aborted.message]).toEqual([
        'network',
        'Shopify inventorySetQuantities: aborted by the caller',
      ]);
    });

    it('a failed follow-up keeps the verdicts already given and fails the rest retryably', async () => {
      await start();
      const good = sim.addItem('G', 0);
      let calls = 0;
      const faultOnSecond: FetchLike = (input, init) => {
        if (++calls === 2) sim.injectFaults({ status: 503, count: 1 });
        return fetch(input, init);
      };
      adapter = new ShopifyAdapter(connectionTo(sim), { fetch: faultOnSecond });
      const result = await adapter.pushQuantities([update('l-gone', '999', 1), update('l-good', good, 2)], {
        idempotencyKey: 'k',
      });
      expect(result.items).toEqual([
        expect.objectContaining({ listingId: 'l-gone', ok: false, permanent: true, code: 'not-found' }),
        expect.objectContaining({
          listingId: 'l-good',
          ok: false,
          permanent: false,
          code: 'call-server',
          message: expect.stringContaining('HTTP 503'),
        }),
      ]);
      expect(sim.quantityOf(good)).toBe(0);
    });
  });

  describe('readQuantities and lookupSkus', () => {
    beforeEach(() => start());

    it('reads available at the location; missing, unstocked and malformed listings are null', async () => {
      const a = sim.addItem('A', 7);
      const hidden = sim.addItem('H', 3, { stockedAtLocation: false });
      const many = Array.from({ length: 120 }, (_, i) => target(`bulk-${i}`, sim.addItem(`B-${i}`, i)));
      const read = await adapter.readQuantities([
        target('l-a', a),
        target('l-a-twin', a),
        target('l-gone', 'gid://shopify/InventoryItem/1'),
        target('l-hidden', hidden),
        target('l-bad', 'not-an-id'),
        ...many,
      ]);
      expect([
        read.get('l-a'),
        read.get('l-a-twin'),
        read.get('l-gone'),
        read.get('l-hidden'),
        read.get('l-bad'),
      ]).toEqual([7, 7, null, null, null]);
      expect(read.get('bulk-119')).toBe(119);
      expect(read.size).toBe(125);
      expect(sim.calls().map((c) => [c.operation, c.items])).toEqual([
        ['nodes', 100],
        ['nodes', 23],
      ]);
    });

    it('finds SKUs exactly, however they are spelt, and leaves unknown ones out', async () => {
      const odd = sim.addItem('Mug "XL": blue OR red', 1);
      const plain = sim.addItem('MUG-1', 1, { tracked: false });
      const twin1 = sim.addItem('TWIN', 1);
      const twin2 = sim.addItem('TWIN', 1);
      sim.addItem('MUG-10', 1); // a near miss
      const fillers = Array.from({ length: 55 }, (_, i) => `FILL-${i}`);
      fillers.forEach((s) => sim.addItem(s));
      const found = await adapter.lookupSkus(['Mug "XL": blue OR red', 'MUG-1', 'TWIN', 'NOPE', ...fillers]);
      expect(found.get('Mug "XL": blue OR red')).toEqual({ externalId: odd, extra: { tracked: true } });
      expect(found.get('MUG-1')).toEqual({ externalId: plain, extra: { tracked: false } });
      expect(found.get('TWIN')).toEqual({
        externalId: twin1,
        extra: { tracked: true, duplicateInventoryItemIds: [twin2] },
      });
      expect(found.has('NOPE')).toBe(false);
      expect(found.size).toBe(3 + 55);
      expect(sim.calls().map((c) => [c.operation, c.items])).toEqual([
        ['inventoryItems', 50],
        ['inventoryItems', 9],
      ]);
    });
  });

  describe('testConnection', () => {
    it('passes for a good token and location; fails clearly otherwise', async () => {
      await start();
      await expect(adapter.testConnection()).resolves.toBeUndefined();

      const wrongLocation = new ShopifyAdapter(connectionTo(sim, { locationId: 'gid://shopify/Location/1' }));
      const err = await callError(wrongLocation.testConnection());
      expect([err.kind, err.message]).toEqual([
        'validation',
        'Shopify test connection: location gid://shopify/Location/1 does not exist in shop "stockbridge-test"',
      ]);

      const retired = new ShopifyAdapter(connectionTo(sim, { apiVersion: '2024-07' }));
      expect((await callError(retired.testConnection())).message).toBe(
        'Shopify test connection: API version 2024-07 is no longer served (Shopify answered with 2025-10); set config.apiVersion to a supported version',
      );

      const revoked = new ShopifyAdapter({ ...connectionTo(sim), credentials: { accessToken: 'nope' } });
      expect((await callError(revoked.testConnection())).kind).toBe('auth');
    });

    it('passes without read_locations: the location check is skipped, the token is still proven', async () => {
      await start({ scopes: ['read_inventory', 'write_inventory'] });
      await expect(adapter.testConnection()).resolves.toBeUndefined();
    });
  });
});
