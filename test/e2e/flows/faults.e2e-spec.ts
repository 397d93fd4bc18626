import { Chain } from '../../support/chain';
import { rabbitmqctl } from '../../support/test-env';
import { waitFor } from '../../support/wait-for';

const SKUS = ['MUG-BLUE', 'MUG-RED', 'TEE-S', 'CAP', 'SOCKS', 'GIFT-SET'];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Orders keep arriving in Odoo while every link of the chain breaks in turn. Afterwards Shopify must equal Odoo for
 * every SKU, the relay must hold Odoo's level for every product and warehouse, and since stock only went down
 * during the storm, no SKU may ever have moved up on Shopify (which a duplicate or late event would cause).
 */
describe('nothing is lost when links break', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await new Chain({ skus: SKUS }).start();
    for (const sku of ['MUG-BLUE', 'MUG-RED', 'TEE-S', 'CAP', 'SOCKS'])
      await chain.odooClient.adjustInventory(sku, 'WH', 400);
    await chain.converged();
  });
  afterAll(() => chain.stop());

  it('converges after a cut socket, relay and agent restarts and a broker outage, never moving stock backwards', async () => {
    const historyStart = new Map(
      SKUS.map((sku) => [sku, chain.shopify.history(chain.shopify.itemIdBySku(sku)!).length]),
    );

    let selling = true;
    let sold = 0;
    const orders = (async () => {
      for (let i = 0; selling; i++) {
        await chain.odooClient.createAndConfirmSale(
          [{ sku: SKUS[i % SKUS.length]!, qty: 1 + (i % 3) }],
          'WH',
        );
        sold++;
        await pause(50);
      }
    })();

    await pause(1_000);
    expect(chain.proxy.cutAll()).toBeGreaterThan(0); // the WebSocket, mid-stream
    await pause(1_500);

    await chain.stopRelay(); // frames in flight are not acked: the agent keeps them
    await pause(1_000);
    await chain.startRelay();
    await pause(1_500);

    await chain.stopAgent();
    await pause(500);
    await chain.startAgent();
    await pause(1_500);

    rabbitmqctl('stop_app'); // both apps lose their broker connections
    await pause(2_000);
    rabbitmqctl('start_app');
    rabbitmqctl('await_startup');
    await pause(1_500);

    chain.proxy.cutAll();
    await pause(1_000);
    selling = false;
    await orders;
    expect(sold).toBeGreaterThan(20);

    const rows = await chain.converged(60_000);
    for (const row of rows) expect(row.shopify).toBe(row.odoo);

    for (const sku of SKUS) {
      const seen = chain.shopify.history(chain.shopify.itemIdBySku(sku)!).slice(historyStart.get(sku));
      const rises = seen.filter((q, i) => i > 0 && q > seen[i - 1]!);
      expect({ sku, rises }).toEqual({ sku, rises: [] });
    }

    // The relay holds Odoo's exact level for every product and warehouse: no event was lost on the way.
    for (const sku of SKUS) {
      const expected = {
        WH: (await chain.odooClient.quantities(sku, 'WH')).free_qty,
        WH2: (await chain.odooClient.quantities(sku, 'WH2')).free_qty,
      };
      await waitFor(`relay levels of ${sku}`, async () => {
        const { items } = await chain.admin.get<{
          items: Array<{ warehouse: string; free: number | string }>;
        }>(`/api/v1/tenants/${chain.tenantId}/levels?sku=${sku}`);
        const byWarehouse = Object.fromEntries(items.map((l) => [l.warehouse, Number(l.free)]));
        return byWarehouse['WH'] === expected.WH && (byWarehouse['WH2'] ?? 0) === expected.WH2
          ? true
          : undefined;
      });
    }
  });
});
