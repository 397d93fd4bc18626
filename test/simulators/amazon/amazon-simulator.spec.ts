import { startAmazonSimulator, type AmazonSimulator } from './amazon-simulator';

describe('Amazon simulator wire details', () => {
  let sim: AmazonSimulator;
  beforeEach(async () => {
    sim = await startAmazonSimulator();
  });
  afterEach(() => sim.close());
  const patch = (
    sku: string,
    body: unknown,
    query = `marketplaceIds=${sim.marketplaceId}`,
  ): Promise<Response> =>
    fetch(`${sim.url}/listings/2021-08-01/items/${sim.sellerId}/${encodeURIComponent(sku)}?${query}`, {
      method: 'PATCH',
      headers: { 'x-amz-access-token': sim.credentials.accessToken, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const quantityPatch = (quantity: number) => ({
    productType: 'PRODUCT',
    patches: [
      {
        op: 'replace',
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
      },
    ],
  });

  it('puts x-amzn-RequestId on every answer and x-amzn-RateLimit-Limit on successful ones', async () => {
    sim.addListing('A', 1);
    const ok = await patch('A', quantityPatch(2));
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('x-amzn-ratelimit-limit')).toBe('5.0');
    const bad = await patch('A', { patches: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(bad.headers.get('x-amzn-ratelimit-limit')).toBeNull();
  });

  it('runs a token bucket per seller: burst 5, then 429 QuotaExceeded', async () => {
    sim.addListing('A', 1);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await patch('A', quantityPatch(i))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(sim.calls().at(-1)).toMatchObject({ operation: 'patchListingsItem', status: 429 });
  });

  it('VALIDATION_PREVIEW answers VALID and changes nothing; a missing marketplaceIds is a 400', async () => {
    sim.addListing('A', 1);
    const preview = await patch(
      'A',
      quantityPatch(9),
      `marketplaceIds=${sim.marketplaceId}&mode=VALIDATION_PREVIEW`,
    );
    expect(await preview.json()).toMatchObject({ sku: 'A', status: 'VALID' });
    expect(sim.quantityOf('A')).toBe(1);
    const noMarketplace = await patch('A', quantityPatch(9), '');
    expect(noMarketplace.status).toBe(400);
    expect(await noMarketplace.json()).toMatchObject({ errors: [{ code: 'InvalidInput' }] });
  });
});
