import {
  type EbayListing,
  type EbaySimulator,
  type EbaySimulatorOptions,
  startEbaySimulator,
} from '../../../../../../test/simulators/ebay/ebay-simulator';
import type { AdapterHttpOptions } from '../adapter-http';
import { ChannelCallError, type ListingTarget, type QuantityUpdate } from '../channel-adapter';
import { EbayAdapter, msUntilPacificMidnight } from './ebay.adapter';

describe('EbayAdapter against the eBay simulator', () => {
  let sim: EbaySimulator;
  const start = async (options: EbaySimulatorOptions = {}): Promise<void> => {
    await sim.close();
    sim = await startEbaySimulator(options);
  };
  beforeEach(async () => {
    sim = await startEbaySimulator();
  });
  afterEach(() => sim.close());

  const adapter = (options: AdapterHttpOptions = {}, token = sim.credentials.accessToken) =>
    new EbayAdapter(
      { kind: 'ebay', config: { baseUrl: sim.url }, credentials: { accessToken: token } },
      { timeoutMs: 2_000, ...options },
    );
  const target = (l: EbayListing): ListingTarget => ({
    listingId: `L-${l.externalId}`,
    sku: l.externalId,
    externalId: l.externalId,
    extra: l.extra,
  });
  const update = (l: EbayListing, quantity: number): QuantityUpdate => ({ target: target(l), quantity });
  const ctx = { idempotencyKey: 'k-1' };

  it('sets item and offer quantities of several SKUs in one bulk call', async () => {
    const a = sim.addListing('A', 1);
    const b = sim.addListing('B', 2, { offers: 2 });
    const c = sim.addListing('C', 3);
    const result = await adapter().pushQuantities([update(a, 10), update(b, 0), update(c, 7)], ctx);
    expect(result.items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 10 },
      { listingId: 'L-B', ok: true, quantity: 0 },
      { listingId: 'L-C', ok: true, quantity: 7 },
    ]);
    expect([sim.itemQuantityOf('A'), ...a.extra.offerIds.map(sim.offerQuantityOf)]).toEqual([10, 10]);
    expect([sim.itemQuantityOf('B'), ...b.extra.offerIds.map(sim.offerQuantityOf)]).toEqual([0, 0, 0]);
    expect(sim.quantityOf('C')).toBe(7);
    expect(sim.history('A')).toEqual([1, 10]);
    expect(sim.calls().map((c) => [c.operation, c.status, c.items])).toEqual([
      ['bulkUpdatePriceQuantity', 200, 3],
    ]);
  });

  it('maps a 207 per item: unknown SKU is permanent with eBay’s message, the others apply', async () => {
    const a = sim.addListing('A', 1);
    const ghost: EbayListing = { externalId: 'GHOST', extra: { offerIds: [] } };
    const result = await adapter().pushQuantities([update(a, 4), update(ghost, 2)], ctx);
    expect(result.items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 4 },
      {
        listingId: 'L-GHOST',
        ok: false,
        permanent: true,
        code: 'EBAY_25702',
        message: 'eBay SKU GHOST: SKU GHOST is not available in the system',
      },
    ]);
    expect(sim.calls()[0]).toMatchObject({ status: 207 });
    expect(sim.quantityOf('A')).toBe(4);
  });

  it('never sends more than 25 entries; the API rejects 26 with a 400', async () => {
    const listings = Array.from({ length: 30 }, (_, i) => sim.addListing(`S${i}`, 0));
    const raw = await fetch(`${sim.url}/sell/inventory/v1/bulk_update_price_quantity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.credentials.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: listings.slice(0, 26).map((l) => ({ sku: l.externalId })) }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ errors: [{ errorId: 25709 }] });

    const { items } = await adapter().pushQuantities(
      listings.map((l, i) => update(l, i)),
      ctx,
    );
    expect(items.filter((i) => i.ok)).toHaveLength(30);
    expect(sim.quantityOf('S29')).toBe(29);
    expect(
      sim
        .calls()
        .slice(1)
        .map((c) => c.items),
    ).toEqual([25, 5]);
  });

  it('falls back to one SKU per call when the API refuses multi-SKU calls, and remembers it', async () => {
    await start({ singleSkuPerCall: true });
    const [a, b, c] = ['A', 'B', 'C'].map((s) => sim.addListing(s, 0)) as [
      EbayListing,
      EbayListing,
      EbayListing,
    ];
    const ebay = adapter();
    expect(ebay.maxBatchSize).toBe(25);
    const first = await ebay.pushQuantities([update(a, 1), update(b, 2), update(c, 3)], ctx);
    expect(first.items.every((i) => i.ok)).toBe(true);
    expect(ebay.maxBatchSize).toBe(1);
    await ebay.pushQuantities([update(a, 4), update(b, 5)], ctx);
    expect(['A', 'B', 'C'].map(sim.quantityOf)).toEqual([4, 5, 3]);
    expect(sim.calls().map((x) => x.status)).toEqual([400, 200, 200, 200, 200, 200]);
  });

  it('reports the daily revision cap per item as retryable, cleared by a new day', async () => {
    await start({ revisionsPerDay: 2 });
    const a = sim.addListing('A', 0);
    const ebay = adapter();
    await ebay.pushQuantities([update(a, 1)], ctx);
    await ebay.pushQuantities([update(a, 2)], ctx);
    const capped = await ebay.pushQuantities([update(a, 3)], ctx);
    expect(capped.items).toEqual([
      expect.objectContaining({ listingId: 'L-A', ok: false, permanent: false, code: 'EBAY_REVISION_LIMIT' }),
    ]);
    expect(capped.items[0]?.ok === false && capped.items[0].message).toContain('maximum of 2 revisions');
    expect(sim.quantityOf('A')).toBe(2);
    sim.newDay();
    expect((await ebay.pushQuantities([update(a, 3)], ctx)).items[0]).toMatchObject({ ok: true });
  });

  it('treats the exhausted daily call quota (429, errorId 2001) as throttled until midnight Pacific', async () => {
    const a = sim.addListing('A', 0);
    sim.setDailyCallQuota(1);
    const ebay = adapter();
    await ebay.pushQuantities([update(a, 1)], ctx);
    const err = await ebay.pushQuantities([update(a, 2)], ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelCallError);
    const e = err as ChannelCallError;
    expect(e).toMatchObject({ kind: 'throttled', status: 429, retryable: true });
    expect(e.message).toBe(
      'eBay bulkUpdatePriceQuantity: HTTP 429 errorId 2001: Too many requests. (The request limit has been reached for the resource.)',
    );
    expect(e.rate?.retryAfterMs).toBeGreaterThan(0);
    expect(Math.abs((e.rate?.retryAfterMs ?? 0) - msUntilPacificMidnight())).toBeLessThan(5_000);
  });

  it('reports 25025 (two writes to one SKU at once) as a retryable failed item', async () => {
    const a = sim.addListing('A', 0);
    sim.setWriteLatency(150);
    const ebay = adapter();
    const [one, two] = await Promise.all([
      ebay.pushQuantities([update(a, 1)], ctx),
      ebay.pushQuantities([update(a, 2)], ctx),
    ]);
    const items = [...one.items, ...two.items];
    expect(items.filter((i) => i.ok)).toHaveLength(1);
    expect(items.find((i) => !i.ok)).toMatchObject({ ok: false, permanent: false, code: 'EBAY_25025' });
  });

  it('maps injected 429 with Retry-After to throttled and 5xx to server', async () => {
    const a = sim.addListing('A', 0);
    sim.injectFaults({ status: 429, retryAfterSec: 5 });
    await expect(adapter().pushQuantities([update(a, 1)], ctx)).rejects.toMatchObject({
      kind: 'throttled',
      rate: { retryAfterMs: 5000 },
    });
    sim.injectFaults({ status: 500 });
    await expect(adapter().pushQuantities([update(a, 1)], ctx)).rejects.toMatchObject({
      kind: 'server',
      message: 'eBay bulkUpdatePriceQuantity: HTTP 500 errorId 25001: A system error has occurred.',
    });
  });

  it("throws auth with eBay's message for a bad token", async () => {
    await expect(adapter({}, 'expired').testConnection()).rejects.toMatchObject({
      kind: 'auth',
      status: 401,
      message:
        'eBay getInventoryItems: HTTP 401 errorId 1001: Invalid access token (Invalid access token. Check the value of the Authorization HTTP request header.)',
    });
    await expect(adapter().testConnection()).resolves.toBeUndefined();
  });

  it('throws timeout when eBay does not answer in time', async () => {
    const a = sim.addListing('A', 0);
    sim.injectFaults({ timeout: true });
    await expect(adapter({ timeoutMs: 150 }).pushQuantities([update(a, 1)], ctx)).rejects.toMatchObject({
      kind: 'timeout',
    });
  });

  it('reads what the listing shows (the smaller of item and offer) and looks SKUs up with their offers', async () => {
    const a = sim.addListing('A', 9, { offerQuantity: 4 });
    const b = sim.addListing('B', 6, { offers: 2 });
    const read = await adapter().readQuantities([
      target(a),
      target(b),
      target({ externalId: 'GHOST', extra: { offerIds: [] } }),
    ]);
    expect(Object.fromEntries(read)).toEqual({ 'L-A': 4, 'L-B': 6, 'L-GHOST': null });

    const found = await adapter().lookupSkus(['A', 'B', 'GHOST']);
    expect(Object.fromEntries(found)).toEqual({
      A: { externalId: 'A', extra: { offerIds: a.extra.offerIds } },
      B: { externalId: 'B', extra: { offerIds: b.extra.offerIds } },
    });
  });

  it('computes the wait until the daily quota resets at midnight Pacific', () => {
    expect(msUntilPacificMidnight(Date.parse('2026-01-15T08:00:00Z'))).toBe(86_400_000); // PST midnight
    expect(msUntilPacificMidnight(Date.parse('2026-07-15T06:59:00Z'))).toBe(60_000); // 23:59 PDT
  });
});
