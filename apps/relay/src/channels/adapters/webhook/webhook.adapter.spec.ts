import { randomBytes } from 'node:crypto';
import {
  signWebhook,
  startWebhookSimulator,
  type WebhookSimulator,
  type WebhookSimulatorOptions,
} from '../../../../../../test/simulators/webhook/webhook-simulator';
import type { AdapterHttpOptions, FetchLike } from '../adapter-http';
import { ChannelCallError, type ListingTarget, type QuantityUpdate } from '../channel-adapter';
import { WebhookAdapter } from './webhook.adapter';

describe('WebhookAdapter against the webhook receiver simulator', () => {
  let sim: WebhookSimulator;
  const start = async (options: WebhookSimulatorOptions = {}): Promise<void> => {
    await sim.close();
    sim = await startWebhookSimulator(options);
  };
  beforeEach(async () => {
    sim = await startWebhookSimulator();
  });
  afterEach(() => sim.close());

  const adapter = (
    options: AdapterHttpOptions = {},
    config: Record<string, unknown> = {},
    secret = sim.credentials.secret,
  ) =>
    new WebhookAdapter(
      { kind: 'webhook', config: { url: sim.endpoint, ...config }, credentials: { secret } },
      { timeoutMs: 2_000, ...options },
    );
  const target = (sku: string): ListingTarget => ({ listingId: `L-${sku}`, sku, externalId: sku, extra: {} });
  const update = (sku: string, quantity: number): QuantityUpdate => ({ target: target(sku), quantity });
  const ctx = { idempotencyKey: 'push-7f3a' };

  it('delivers one signed stock.set batch; webhook-id and Idempotency-Key are the push key', async () => {
    ['A', 'B', 'C'].forEach((s) => sim.addListing(s, 1));
    const result = await adapter().pushQuantities([update('A', 5), update('B', 0), update('C', 12)], ctx);
    expect(result.items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 5 },
      { listingId: 'L-B', ok: true, quantity: 0 },
      { listingId: 'L-C', ok: true, quantity: 12 },
    ]);
    expect(['A', 'B', 'C'].map(sim.quantityOf)).toEqual([5, 0, 12]);
    const [delivery] = sim.deliveries();
    expect(delivery).toMatchObject({ webhookId: 'push-7f3a', idempotencyKey: 'push-7f3a', replayed: false });
    expect(JSON.parse(delivery?.body ?? '')).toMatchObject({
      type: 'stock.set',
      data: { items: [{ sku: 'A', quantity: 5, version: expect.any(Number) }, { sku: 'B' }, { sku: 'C' }] },
    });
  });

  it('maps a 207 per item: an unknown SKU is rejected permanently with the receiver’s code', async () => {
    sim.addListing('A', 1);
    const { items } = await adapter().pushQuantities([update('A', 3), update('GHOST', 4)], ctx);
    expect(items).toEqual([
      { listingId: 'L-A', ok: true, quantity: 3 },
      {
        listingId: 'L-GHOST',
        ok: false,
        permanent: true,
        code: 'UNKNOWN_SKU',
        message: 'Webhook SKU GHOST: SKU GHOST is not known to this store.',
      },
    ]);
    expect(sim.calls()[0]).toMatchObject({ status: 207, items: 2 });
  });

  it('is verified by the receiver: a tampered body, a wrong secret or a stale timestamp get 401', async () => {
    sim.addListing('A', 1);
    const tamper: FetchLike = (input, init) =>
      fetch(input, { ...init, body: (init.body as string).replace('"quantity":3', '"quantity":999') });
    await expect(adapter({ fetch: tamper }).pushQuantities([update('A', 3)], ctx)).rejects.toMatchObject({
      kind: 'auth',
      status: 401,
      message: 'Webhook POST: HTTP 401 INVALID_SIGNATURE: No webhook-signature matches the payload.',
    });
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    await expect(adapter({}, {}, other).testConnection()).rejects.toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    expect(sim.quantityOf('A')).toBe(1);

    const body = JSON.stringify({
      type: 'stock.set',
      timestamp: '',
      data: { items: [{ sku: 'A', quantity: 2 }] },
    });
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const stale = await fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'webhook-id': 'old-1',
        'webhook-timestamp': old,
        'webhook-signature': `v1,${signWebhook(sim.credentials.secret, 'old-1', old, body)}`,
      },
      body,
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'TIMESTAMP_OUT_OF_TOLERANCE' } });
    await expect(adapter().testConnection()).resolves.toBeUndefined();
  });

  it('a repeated delivery (same Idempotency-Key) is replayed, not applied again', async () => {
    sim.addListing('A', 1);
    let sent: { input: string; init: RequestInit } | undefined;
    const capture: FetchLike = (input, init) => {
      sent = { input, init };
      return fetch(input, init);
    };
    await adapter({ fetch: capture }).pushQuantities([update('A', 3)], ctx);
    sim.setQuantity('A', 50); // a newer change made on the store meanwhile
    const again = await fetch(sent?.input ?? '', sent?.init);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(sim.quantityOf('A')).toBe(50);
    expect(sim.deliveries().map((d) => d.replayed)).toEqual([false, true]);
  });

  it('a retry with the same key after a lost answer re-sends the same bytes and is replayed, not re-applied', async () => {
    sim.addListing('A', 1);
    sim.injectFaults({ timeout: 'after-apply', count: 1 });
    const hook = adapter({ timeoutMs: 150 });
    await expect(hook.pushQuantities([update('A', 3)], ctx)).rejects.toMatchObject({ kind: 'timeout' });
    expect(sim.quantityOf('A')).toBe(3); // applied, but the answer was lost
    const again = await hook.pushQuantities([update('A', 3)], ctx);
    expect(again.items).toEqual([{ listingId: 'L-A', ok: true, quantity: 3 }]);
    expect(sim.deliveries().map((d) => d.replayed)).toEqual([false, true]);
    expect(sim.history('A')).toEqual([1, 3]);
  });

  it('honours 429 Retry-After as throttled; 5xx is server; no answer is timeout', async () => {
    sim.addListing('A', 1);
    sim.injectFaults({ status: 429, retryAfterSec: 2 });
    const err = await adapter()
      .pushQuantities([update('A', 3)], ctx)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelCallError);
    expect(err).toMatchObject({ kind: 'throttled', status: 429, rate: { retryAfterMs: 2000 } });
    sim.injectFaults({ status: 502 });
    await expect(adapter().pushQuantities([update('A', 3)], ctx)).rejects.toMatchObject({
      kind: 'server',
      status: 502,
    });
    sim.injectFaults({ timeout: true });
    await expect(adapter({ timeoutMs: 150 }).pushQuantities([update('A', 3)], ctx)).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(sim.quantityOf('A')).toBe(1);
  });

  it('splits deliveries the receiver refuses with 413, each with its own webhook-id', async () => {
    await start({ maxItems: 2 });
    const skus = ['A', 'B', 'C', 'D', 'E'];
    skus.forEach((s) => sim.addListing(s, 0));
    const hook = adapter();
    const { items } = await hook.pushQuantities(
      skus.map((s, i) => update(s, i + 1)),
      ctx,
    );
    expect(items.every((i) => i.ok)).toBe(true);
    expect(skus.map(sim.quantityOf)).toEqual([1, 2, 3, 4, 5]);
    expect(hook.maxBatchSize).toBe(2);
    const ids = sim.deliveries().map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads quantities and looks SKUs up through the signed GET read-back', async () => {
    sim.addListing('A', 7);
    sim.addListing('B', 0);
    const hook = adapter();
    expect(
      Object.fromEntries(await hook.readQuantities([target('A'), target('B'), target('GHOST')])),
    ).toEqual({
      'L-A': 7,
      'L-B': 0,
      'L-GHOST': null,
    });
    expect(Object.fromEntries(await hook.lookupSkus(['A', 'GHOST']))).toEqual({
      A: { externalId: 'A', extra: {} },
    });
  });

  it('rejects a secret that is not whsec_ base64, naming the field', () => {
    expect(() => adapter({}, {}, 'plain-secret')).toThrow(
      "webhook channel credentials.secret: expected 'whsec_' followed by base64 of 24 to 64 bytes",
    );
  });
});
