import { Chain } from '../../support/chain';
import { waitFor } from '../../support/wait-for';
import type { ListingDto } from './channel-fixtures';

/** The whole chain (Odoo simulator → agent → RabbitMQ → WebSocket → relay → Shopify) under a non-default rule. */
describe('an Odoo change reaches Shopify with the quantity the channel rule gives', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await new Chain({ skus: ['CAP', 'MUG-RED'] }).start();
    await chain.converged(); // default rule first: every SKU shows Odoo's free quantity
  });
  afterAll(() => chain?.stop());

  it('applies buffer, allocation and warehouses, and a per-SKU override', async () => {
    const base = `/api/v1/tenants/${chain.tenantId}/channels/${chain.channelId}`;
    await chain.admin.request('PATCH', base, { rule: { buffer: 2, allocation: 0.5, warehouses: ['WH'] } });
    const { items } = await chain.admin.get<{ items: ListingDto[] }>(`${base}/listings?sku=MUG-RED`);
    const mugRed = items[0];
    if (!mugRed) throw new Error('no MUG-RED listing');
    await chain.admin.request('PATCH', `${base}/listings/${mugRed.id}`, {
      ruleOverride: { buffer: 0, allocation: 1, warehouses: null, max: 10 },
    });

    await chain.odooClient.adjustInventory('CAP', 'WH', 42);
    await chain.odooClient.adjustInventory('MUG-RED', 'WH', 7);
    await chain.odooClient.adjustInventory('MUG-RED', 'WH2', 5);
    const capWh = (await chain.odooClient.quantities('CAP', 'WH')).free_qty;
    const mugWh = (await chain.odooClient.quantities('MUG-RED', 'WH')).free_qty;
    const mugWh2 = (await chain.odooClient.quantities('MUG-RED', 'WH2')).free_qty;
    const cap = Math.max(0, Math.floor((capWh - 2) * 0.5)); // channel rule: WH only, buffer 2, half
    const mug = Math.min(10, mugWh + mugWh2); // override: every warehouse, no buffer, all of it, at most 10

    await waitFor(
      `Shopify CAP=${cap} MUG-RED=${mug} (shows ${chain.shopifyQuantity('CAP')}, ${chain.shopifyQuantity('MUG-RED')})`,
      () => chain.shopifyQuantity('CAP') === cap && chain.shopifyQuantity('MUG-RED') === mug,
      { timeoutMs: 30_000 },
    );
    expect(cap).toBe(20);
    expect(mug).toBe(10);
  });
});
