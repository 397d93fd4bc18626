import type { ChannelKind } from '../../../apps/relay/src/channels/adapters/channel-adapter';
import { Chain } from '../../support/chain';
import { waitFor } from '../../support/wait-for';
import { startSimChannel, type SimChannel, type SimTarget } from './channel-fixtures';

/**
 * One Odoo change, five channel kinds: Odoo simulator → agent → RabbitMQ → WebSocket → relay → each channel's
 * simulator, each under its own rule. Expected quantities are worked out by hand from Odoo's figures.
 */
describe('an Odoo change reaches every channel kind with the quantity its rule gives', () => {
  let chain: Chain;
  const others: Array<{ sim: SimChannel; target: SimTarget }> = [];
  const rules: Record<Exclude<ChannelKind, 'shopify'>, Record<string, unknown>> = {
    woocommerce: { source: 'onHand', buffer: 2, allocation: 0.5 },
    ebay: { max: 10 },
    amazon: { warehouses: ['WH2'] },
    webhook: { min: 50 },
  };

  beforeAll(async () => {
    chain = await new Chain({ skus: ['CAP'] }).start();
    for (const [kind, rule] of Object.entries(rules) as Array<[ChannelKind, Record<string, unknown>]>) {
      const sim = await startSimChannel(kind);
      const target = sim.addListing('CAP', 7); // a stale figure: every channel must change it
      const channel = await chain.admin.post<{ id: string }>(`/api/v1/tenants/${chain.tenantId}/channels`, {
        name: `${kind} store`,
        kind,
        ...sim.settings(),
        rule,
      });
      await chain.admin.post(`/api/v1/tenants/${chain.tenantId}/channels/${channel.id}/listings`, {
        sku: 'CAP',
        externalId: target.externalId,
        extra: target.extra,
      });
      others.push({ sim, target });
    }
  });
  afterAll(async () => {
    await chain?.stop();
    for (const { sim } of others) await sim.close();
  });

  it('applies each channel rule to an inventory adjustment and a reservation', async () => {
    await chain.odooClient.adjustInventory('CAP', 'WH', 42);
    await chain.odooClient.adjustInventory('CAP', 'WH2', 6);
    await chain.odooClient.createAndConfirmSale([{ sku: 'CAP', qty: 3 }], 'WH'); // free drops by 3, on hand does not

    const wh = await chain.odooClient.quantities('CAP', 'WH');
    const wh2 = await chain.odooClient.quantities('CAP', 'WH2');
    const free = wh.free_qty + wh2.free_qty;
    const onHand = wh.qty_available + wh2.qty_available;
    expect({ free, onHand }).toEqual({ free: 45, onHand: 48 });
    const expected: Record<ChannelKind, number> = {
      shopify: free, // default rule: free quantity of every warehouse
      woocommerce: Math.floor((onHand - 2) * 0.5), // on hand, buffer 2, half of the rest: 23
      ebay: 10, // capped at 10
      amazon: wh2.free_qty, // only WH2 feeds it: 6
      webhook: 0, // 45 is below its minimum of 50
    };

    const shown = (): Record<string, number | null | undefined> => ({
      shopify: chain.shopifyQuantity('CAP'),
      ...Object.fromEntries(others.map(({ sim, target }) => [sim.kind, sim.quantityOf(target)])),
    });
    await waitFor(`every channel to show its rule's quantity (now ${JSON.stringify(shown())})`, () =>
      JSON.stringify(shown()) === JSON.stringify({ ...expected }) ? true : undefined,
    );
    expect(shown()).toEqual(expected);
    for (const { sim, target } of others) expect(sim.history(target).length).toBeGreaterThan(0);
  });
});
