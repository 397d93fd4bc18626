import {
  type AmazonListing,
  type AmazonSimulator,
  startAmazonSimulator,
} from '../../../../../../test/simulators/amazon/amazon-simulator';
import type { AdapterHttpOptions } from '../adapter-http';
import { ChannelCallError, type ListingTarget, type QuantityUpdate } from '../channel-adapter';
import { AmazonAdapter } from './amazon.adapter';

describe('AmazonAdapter against the Amazon SP-API simulator', () => {
  let sim: AmazonSimulator;
  beforeEach(async () => {
    sim = await startAmazonSimulator();
  });
  afterEach(() => sim.close());

  const adapter = (
    options: AdapterHttpOptions = {},
    config: Record<string, unknown> = {},
    token = sim.credentials.accessToken,
  ) =>
    new AmazonAdapter(
      {
        kind: 'amazon',
        config: { baseUrl: sim.url, sellerId: sim.sellerId, marketplaceId: sim.marketplaceId, ...config },
        credentials: { accessToken: token },
      },
      { timeoutMs: 2_000, ...options },
    );
  const target = (
    l: Pick<AmazonListing, 'externalId'> & { extra: Record<string, unknown> },
  ): ListingTarget => ({
    listingId: `L-${l.externalId}`,
    sku: l.externalId,
    externalId: l.externalId,
    extra: l.extra,
  });
  const update = (l: Parameters<typeof target>[0], quantity: number): QuantityUpdate => ({
    target: target(l),
    quantity,
  });
  const ctx = { idempotencyKey: 'k-1' };

  it('ACCEPTED is applied: merge sets the quantity and keeps the handling time; the rate header is passed on', async () => {
    const a = sim.addListing('A', 1, { productType: 'LUGGAGE', leadTimeToShipMaxDays: 3 });
    const result = await adapter().pushQuantities([update(a, 12)], ctx);
    expect(result).toEqual({
      items: [{ listingId: 'L-A', ok: true, quantity: 12 }],
      rate: { refillPerSec: 5 },
    });
    expect(sim.quantityOf('A')).toBe(12);
    expect(sim.fulfillmentAvailability('A')).toEqual([
      { fulfillment_channel_code: 'DEFAULT', quantity: 12, lead_time_to_ship_max_days: 3 },
    ]);
  });

  it('replace drops sibling fields, as Amazon documents', async () => {
    const a = sim.addListing('A', 1, { leadTimeToShipMaxDays: 3 });
    await adapter({}, { patchOp: 'replace' }).pushQuantities([update(a, 2)], ctx);
    expect(sim.fulfillmentAvailability('A')).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 2 }]);
  });

  it('INVALID (HTTP 200) is a permanent failed item carrying the issue messages', async () => {
    const a = sim.addListing('A', 1, { productType: 'SHOES' });
    const result = await adapter().pushQuantities(
      [update({ ...a, extra: { productType: 'LUGGAGE' } }, 3)],
      ctx,
    );
    expect(result.items).toEqual([
      {
        listingId: 'L-A',
        ok: false,
        permanent: true,
        code: 'AMAZON_4000003',
        message:
          "Amazon SKU A: submission INVALID: 4000003: The product type 'LUGGAGE' does not match the listing's product type 'SHOES'.",
      },
    ]);
    const unknown = await adapter().pushQuantities(
      [update({ externalId: 'NOPE', extra: { productType: 'SHOES' } }, 3)],
      ctx,
    );
    expect(unknown.items[0]).toMatchObject({ ok: false, permanent: true, code: 'AMAZON_4000001' });
    const negative = await adapter().pushQuantities([update(a, -1)], ctx);
    expect(negative.items[0]).toMatchObject({ ok: false, permanent: true, code: 'AMAZON_90220' });
    expect(negative.items[0]?.ok === false && negative.items[0].message).toContain("'quantity' is invalid");
    expect(sim.quantityOf('A')).toBe(1);
  });

  it('fails an update without productType locally, without a call', async () => {
    const { items } = await adapter().pushQuantities([update({ externalId: 'A', extra: {} }, 3)], ctx);
    expect(items[0]).toMatchObject({ ok: false, permanent: true, code: 'MISSING_PRODUCT_TYPE' });
    expect(sim.calls()).toEqual([]);
  });

  it('ACCEPTED is not applied yet: the read-back shows the old quantity until Amazon applies it', async () => {
    const a = sim.addListing('A', 1);
    sim.setApplyDelay(150);
    const amazon = adapter();
    expect((await amazon.pushQuantities([update(a, 9)], ctx)).items[0]).toMatchObject({ ok: true });
    expect(Object.fromEntries(await amazon.readQuantities([target(a)]))).toEqual({ 'L-A': 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(Object.fromEntries(await amazon.readQuantities([target(a)]))).toEqual({ 'L-A': 9 });
  });

  it('429 QuotaExceeded is throttled, with the refill rate from x-amzn-RateLimit-Limit', async () => {
    sim.setRate(1, 1);
    const a = sim.addListing('A', 1);
    const amazon = adapter();
    await amazon.pushQuantities([update(a, 2)], ctx);
    const err = await amazon.pushQuantities([update(a, 3)], ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelCallError);
    expect(err).toMatchObject({
      kind: 'throttled',
      status: 429,
      rate: { refillPerSec: 1, retryAfterMs: 1000 },
    });
    expect((err as Error).message).toMatch(
      /^Amazon patchListingsItem A: HTTP 429 QuotaExceeded: You exceeded your quota for the requested resource\. \[x-amzn-RequestId [0-9a-f-]{36}\]$/,
    );
    sim.setRate(5, 5);
    sim.injectFaults({ status: 429, retryAfterSec: 2 });
    await expect(amazon.pushQuantities([update(a, 3)], ctx)).rejects.toMatchObject({
      kind: 'throttled',
      rate: { retryAfterMs: 2000 },
    });
  });

  it('maps 403 to auth with Amazon’s message, 5xx to server, no answer to timeout', async () => {
    const a = sim.addListing('A', 1);
    await expect(adapter({}, {}, 'Atza|expired').pushQuantities([update(a, 2)], ctx)).rejects.toMatchObject({
      kind: 'auth',
      status: 403,
      message: expect.stringContaining(
        'HTTP 403 Unauthorized: Access to requested resource is denied. (The access token you provided is revoked, malformed or invalid.)',
      ),
    });
    sim.injectFaults({ status: 503 });
    await expect(adapter().pushQuantities([update(a, 2)], ctx)).rejects.toMatchObject({
      kind: 'server',
      status: 503,
    });
    sim.injectFaults({ timeout: true });
    await expect(adapter({ timeoutMs: 150 }).pushQuantities([update(a, 2)], ctx)).rejects.toMatchObject({
      kind: 'timeout',
    });
    sim.clearFaults();
    await expect(adapter().testConnection()).resolves.toBeUndefined();
  });

  it('reads quantities (unknown SKU: null), pacing itself through the per-seller bucket', async () => {
    sim.setRate(20, 2);
    const listings = ['A', 'B', 'C', 'D', 'E'].map((s, i) => sim.addListing(s, i));
    const read = await adapter().readQuantities([
      ...listings.map(target),
      target({ externalId: 'NOPE', extra: {} }),
    ]);
    expect(Object.fromEntries(read)).toEqual({
      'L-A': 0,
      'L-B': 1,
      'L-C': 2,
      'L-D': 3,
      'L-E': 4,
      'L-NOPE': null,
    });
    expect(sim.calls().some((c) => c.status === 429)).toBe(true);
  });

  it('looks SKUs up with searchListingsItems, returning productType and ASIN', async () => {
    const a = sim.addListing('A', 1, { productType: 'LUGGAGE' });
    const b = sim.addListing('B,2', 1, { productType: 'SHOES' });
    const found = await adapter().lookupSkus(['A', 'B,2', 'NOPE']);
    expect(Object.fromEntries(found)).toEqual({
      A: { externalId: 'A', extra: { productType: 'LUGGAGE', asin: a.extra.asin } },
      'B,2': { externalId: 'B,2', extra: { productType: 'SHOES', asin: b.extra.asin } },
    });
    expect(sim.calls().map((c) => c.operation)).toEqual(['searchListingsItems', 'getListingsItem']);
  });
});
