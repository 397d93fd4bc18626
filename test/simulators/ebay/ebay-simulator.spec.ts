import { startEbaySimulator, type EbaySimulator } from './ebay-simulator';

describe('eBay simulator wire details', () => {
  let sim: EbaySimulator;
  beforeEach(async () => {
    sim = await startEbaySimulator();
  });
  afterEach(() => sim.close());
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${sim.url}/sell/inventory/v1${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sim.credentials.accessToken}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('requires Content-Type: application/json on writes', async () => {
    const res = await post('/bulk_update_price_quantity', { requests: [] }, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('answers one response per offer, with errors[] and warnings[] on each', async () => {
    const a = sim.addListing('A', 1, { offers: 2 });
    const res = await post('/bulk_update_price_quantity', {
      requests: [
        {
          sku: 'A',
          shipToLocationAvailability: { quantity: 5 },
          offers: a.extra.offerIds.map((offerId) => ({ offerId, availableQuantity: 3 })),
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      responses: a.extra.offerIds.map((offerId) => ({
        statusCode: 200,
        sku: 'A',
        offerId,
        errors: [],
        warnings: [],
      })),
    });
    expect([sim.itemQuantityOf('A'), sim.quantityOf('A')]).toEqual([5, 3]); // the listing shows the smaller
  });

  it('answers an unknown SKU with 404 errorId 25702 on getInventoryItem', async () => {
    const res = await fetch(`${sim.url}/sell/inventory/v1/inventory_item/NOPE`, {
      headers: { authorization: `Bearer ${sim.credentials.accessToken}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errors: [{ errorId: 25702, domain: 'API_INVENTORY' }] });
  });

  it('PUT inventory_item is a full replacement and counts as a revision', async () => {
    sim.addListing('A', 1, { title: 'Blue mug' });
    const res = await fetch(`${sim.url}/sell/inventory/v1/inventory_item/A`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${sim.credentials.accessToken}`,
        'content-type': 'application/json',
        'content-language': 'en-US',
      },
      body: JSON.stringify({ availability: { shipToLocationAvailability: { quantity: 8 } } }),
    });
    expect(res.status).toBe(204);
    const item = (await (
      await fetch(`${sim.url}/sell/inventory/v1/inventory_item/A`, {
        headers: { authorization: `Bearer ${sim.credentials.accessToken}` },
      })
    ).json()) as { product: unknown; availability: unknown };
    expect(item.product).toEqual({}); // the title was not resent, so it is gone
    expect(sim.revisionsToday('A')).toBe(1);
  });
});
