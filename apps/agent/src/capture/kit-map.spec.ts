import { OdooClient } from '../odoo/odoo.client';
import { startFakeOdoo, type FakeOdoo } from './fake-odoo.fixture';
import { chunks, KitMap } from './kit-map';

describe('KitMap', () => {
  let odoo: FakeOdoo;
  let client: OdooClient;

  beforeEach(async () => {
    odoo = await startFakeOdoo();
    odoo.write('mrp.bom', 0, { type: 'normal' }); // mrp installed
    client = await OdooClient.connect({ url: odoo.url, db: 'prod', user: 'bot', apiKey: 'key' });
  });
  afterEach(() => odoo.close());

  const product = (id: number, tmpl: number): void =>
    odoo.write('product.product', id, { product_tmpl_id: [tmpl, `T${tmpl}`], default_code: `P${id}` });
  const line = (id: number, bom: number, component: number): void =>
    odoo.write('mrp.bom.line', id, { bom_id: [bom, 'b'], product_id: [component, 'c'], product_qty: 1 });

  it('maps components to kits, through nested kits and template BoMs, ignoring normal and archived BoMs', async () => {
    // kit 20 = 1 + 2; kit 30 (a template BoM, variants 30 and 31) = kit 20 + 3; BoM 4 is a normal BoM.
    [1, 2, 3, 4].forEach((id) => product(id, 100 + id));
    product(20, 120);
    product(30, 130);
    product(31, 130);
    odoo.write('mrp.bom', 1, { type: 'phantom', product_id: [20, 'k'], product_tmpl_id: [120, 'k'] });
    odoo.write('mrp.bom', 2, { type: 'phantom', product_id: false, product_tmpl_id: [130, 'k'] });
    odoo.write('mrp.bom', 3, { type: 'normal', product_id: [4, 'p'], product_tmpl_id: [104, 'p'] });
    odoo.write('mrp.bom', 5, {
      type: 'phantom',
      active: false,
      product_id: [4, 'p'],
      product_tmpl_id: [104, 'p'],
    });
    line(1, 1, 1);
    line(2, 1, 2);
    line(3, 2, 20);
    line(4, 2, 3);
    line(5, 3, 1);
    line(6, 5, 1);
    odoo.calls.length = 0;
    const kits = await KitMap.load(client, 2, 1234);
    expect(kits.loadedAt).toBe(1234);
    expect(kits.loadCalls).toBe(odoo.calls.length);
    expect(kits.kitsContaining([1]).sort()).toEqual([20, 30, 31]);
    expect(kits.kitsContaining([3]).sort()).toEqual([30, 31]);
    expect(kits.kitsContaining([4])).toEqual([]);
    expect(kits.isKit(20)).toBe(true);
    expect(kits.isKit(31)).toBe(true);
    expect(kits.isKit(4)).toBe(false);
    expect(kits.kitsOfBoms([2]).sort()).toEqual([30, 31]);
    expect(kits.size).toBe(3);
  });

  it('survives a kit cycle (misconfigured BoMs)', async () => {
    product(1, 101);
    product(2, 102);
    odoo.write('mrp.bom', 1, { type: 'phantom', product_id: [1, 'a'] });
    odoo.write('mrp.bom', 2, { type: 'phantom', product_id: [2, 'b'] });
    line(1, 1, 2);
    line(2, 2, 1);
    const kits = await KitMap.load(client, 500);
    expect(kits.kitsContaining([1]).sort()).toEqual([1, 2]);
  });

  it('splits into chunks', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(KitMap.empty().kitsContaining([1])).toEqual([]);
  });
});
