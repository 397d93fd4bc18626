import { Chain } from '../../support/chain';
import { waitFor } from '../../support/wait-for';

/** Odoo → agent → RabbitMQ → WebSocket → relay → PostgreSQL → Shopify, every part real. */
describe('a stock change in Odoo reaches Shopify', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await new Chain().start();
    await chain.converged(); // the first poll publishes every product
  });
  afterAll(() => chain.stop());

  it('carries an inventory adjustment', async () => {
    await chain.odooClient.adjustInventory('CAP', 'WH', 42);
    const expected = 42 + (await wh2Free('CAP'));
    const rows = await chain.converged();
    expect(rows.find((r) => r.sku === 'CAP')).toEqual({ sku: 'CAP', odoo: expected, shopify: expected });
  });

  it('carries a confirmed sale as a reservation: free quantity drops, on hand does not', async () => {
    await chain.odooClient.adjustInventory('TEE-S', 'WH', 10);
    await chain.converged();
    const before = await chain.odooClient.quantities('TEE-S', 'WH');
    await chain.odooClient.createAndConfirmSale([{ sku: 'TEE-S', qty: 3 }], 'WH');
    const after = await chain.odooClient.quantities('TEE-S', 'WH');
    expect(after.qty_available).toBe(before.qty_available);
    expect(after.free_qty).toBe(before.free_qty - 3);
    const rows = await chain.converged();
    expect(rows.find((r) => r.sku === 'TEE-S')?.shopify).toBe(after.free_qty + (await wh2Free('TEE-S')));
  });

  it('carries a validated delivery', async () => {
    await chain.odooClient.adjustInventory('TEE-M', 'WH', 8);
    const sale = await chain.odooClient.createAndConfirmSale([{ sku: 'TEE-M', qty: 5 }], 'WH');
    await chain.converged();
    for (const pickingId of sale.pickingIds) await chain.odooClient.validateDelivery(pickingId);
    const after = await chain.odooClient.quantities('TEE-M', 'WH');
    expect(after.qty_available).toBe(3);
    const rows = await chain.converged();
    expect(rows.find((r) => r.sku === 'TEE-M')?.shopify).toBe(3 + (await wh2Free('TEE-M')));
  });

  it('updates a kit when one of its components moves', async () => {
    // GIFT-SET is a phantom kit of 1 MUG-BLUE + 2 SOCKS: selling socks lowers the kits that can be sold.
    await chain.odooClient.adjustInventory('MUG-BLUE', 'WH', 20);
    await chain.odooClient.adjustInventory('SOCKS', 'WH', 10);
    await chain.converged();
    const kitsBefore = chain.shopifyQuantity('GIFT-SET');
    await chain.odooClient.adjustInventory('SOCKS', 'WH', 4);
    const rows = await chain.converged();
    const kit = rows.find((r) => r.sku === 'GIFT-SET');
    expect(kit?.shopify).toBe(kit?.odoo);
    expect(kit?.shopify).toBeLessThan(kitsBefore ?? 0);
  });

  it('keeps separate levels for a product stocked in two warehouses', async () => {
    await chain.odooClient.adjustInventory('MUG-RED', 'WH', 7);
    await chain.odooClient.adjustInventory('MUG-RED', 'WH2', 5);
    await chain.converged();
    const levels = await waitFor('both warehouse levels at the relay', async () => {
      const { items } = await chain.admin.get<{ items: Array<{ warehouse: string; free: number }> }>(
        `/api/v1/tenants/${chain.tenantId}/levels?sku=MUG-RED`,
      );
      const byWarehouse = Object.fromEntries(items.map((l) => [l.warehouse, Number(l.free)]));
      return byWarehouse['WH'] === 7 && byWarehouse['WH2'] === 5 ? byWarehouse : undefined;
    });
    expect(levels).toEqual({ WH: 7, WH2: 5 });
    expect(chain.shopifyQuantity('MUG-RED')).toBe(12);
  });

  async function wh2Free(sku: string): Promise<number> {
    return (await chain.odooClient.quantities(sku, 'WH2')).free_qty;
  }
});
