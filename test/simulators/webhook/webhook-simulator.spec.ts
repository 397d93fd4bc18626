import { signWebhook, startWebhookSimulator, type WebhookSimulator } from './webhook-simulator';

describe('webhook receiver simulator', () => {
  let sim: WebhookSimulator;
  beforeEach(async () => {
    sim = await startWebhookSimulator();
  });
  afterEach(() => sim.close());
  const post = (id: string, body: string, key = id): Promise<Response> => {
    const ts = String(Math.floor(Date.now() / 1000));
    return fetch(sim.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': ts,
        // a rotated-out key first: any matching signature is enough
        'webhook-signature': `v1,AAAA v1,${signWebhook(sim.credentials.secret, id, ts, body)}`,
        'idempotency-key': key,
      },
      body,
    });
  };
  const batch = (items: unknown[]): string =>
    JSON.stringify({ type: 'stock.set', timestamp: new Date().toISOString(), data: { items } });

  it('rejects an Idempotency-Key reused with a different body (422)', async () => {
    sim.addListing('A', 1);
    expect((await post('d-1', batch([{ sku: 'A', quantity: 2 }]))).status).toBe(200);
    const reused = await post('d-1', batch([{ sku: 'A', quantity: 3 }]));
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(sim.quantityOf('A')).toBe(2);
  });

  it('drops an item whose version is not newer than the applied one (STALE_VERSION)', async () => {
    sim.addListing('A', 1);
    await post('d-1', batch([{ sku: 'A', quantity: 5, version: 10 }]));
    const late = await post('d-2', batch([{ sku: 'A', quantity: 4, version: 9 }]));
    expect(late.status).toBe(207);
    expect(await late.json()).toEqual({
      results: [
        {
          sku: 'A',
          status: 'rejected',
          error: { code: 'STALE_VERSION', message: 'version 9 is not newer than 10.' },
        },
      ],
    });
    expect([sim.quantityOf('A'), sim.versionOf('A')]).toEqual([5, 10]);
  });

  it('rejects an unsigned request with 401', async () => {
    const res = await fetch(sim.endpoint, { method: 'POST', body: batch([]) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'MISSING_SIGNATURE' } });
  });
});
