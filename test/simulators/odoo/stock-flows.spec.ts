import { OdooRpcError, OdooTestClient } from '../../support/odoo-test-client';
import { startOdooSimulator, type OdooSimulator, type OdooSimulatorOptions } from './odoo-simulator';

type Many2one = [number, string];
interface MoveRow {
  id: number;
  product_id: Many2one;
  state: string;
  quantity: number;
  product_uom_qty: number;
  is_inventory: boolean;
  location_id: Many2one;
  location_dest_id: Many2one;
  write_date: string;
}

async function start(
  options: OdooSimulatorOptions = {},
): Promise<{ sim: OdooSimulator; odoo: OdooTestClient }> {
  const sim = await startOdooSimulator(options);
  return { sim, odoo: await OdooTestClient.connect(sim.url, sim.db, sim.login, sim.apiKey) };
}

/** Runs `fn` against a fresh simulator and always closes it. */
async function withSimulator(
  options: OdooSimulatorOptions,
  fn: (odoo: OdooTestClient) => Promise<void>,
): Promise<void> {
  const { sim, odoo } = await start(options);
  try {
    await fn(odoo);
  } finally {
    await sim.close();
  }
}

/** MUG-BLUE's on-hand quantity under a context: 40 in WH + 10 in WH2 by default. */
async function mugQty(odoo: OdooTestClient, context: Record<string, unknown>): Promise<number | undefined> {
  const mug = await odoo.productIdBySku('MUG-BLUE');
  const rows = await odoo.executeKw<Array<{ qty_available: number }>>(
    'product.product',
    'read',
    [[mug], ['qty_available']],
    {
      context,
    },
  );
  return rows[0]?.qty_available;
}

const MOVE_FIELDS = [
  'product_id',
  'state',
  'quantity',
  'product_uom_qty',
  'is_inventory',
  'location_id',
  'location_dest_id',
  'write_date',
];

describe('Odoo simulator: stock flows (17)', () => {
  let sim: OdooSimulator;
  let odoo: OdooTestClient;

  beforeEach(async () => ({ sim, odoo } = await start()));
  afterEach(() => sim.close());

  const lastMoves = (count: number): Promise<MoveRow[]> =>
    odoo.executeKw('stock.move', 'search_read', [[]], {
      fields: MOVE_FIELDS,
      order: 'id desc',
      limit: count,
    });
  const productWriteDate = async (sku: string): Promise<string> => {
    const [row] = await odoo.executeKw<Array<{ write_date: string }>>('product.product', 'read', [
      [await odoo.productIdBySku(sku)],
      ['write_date'],
    ]);
    return row?.write_date ?? '';
  };

  it('applies a counted quantity (quant route) through a done is_inventory move, leaving the product untouched', async () => {
    const before = await productWriteDate('MUG-BLUE');
    await odoo.adjustInventory('MUG-BLUE', 'WH', 33);
    expect(await odoo.quantities('MUG-BLUE', 'WH')).toEqual({
      qty_available: 33,
      free_qty: 33,
      virtual_available: 33,
      outgoing_qty: 0,
    });
    const [move] = await lastMoves(1);
    expect(move).toMatchObject({
      product_id: [expect.any(Number), '[MUG-BLUE] Blue Mug'],
      state: 'done',
      is_inventory: true,
      quantity: 7,
      location_id: [expect.any(Number), 'WH/Stock'],
      location_dest_id: [expect.any(Number), 'Virtual Locations/Inventory adjustment'],
    });
    expect(await productWriteDate('MUG-BLUE')).toBe(before);
    // the counted quantity is reset on the quant once applied
    const wh = await odoo.warehouseByCode('WH');
    const [quant] = await odoo.executeKw<Array<Record<string, unknown>>>(
      'stock.quant',
      'search_read',
      [
        [
          ['product_id.default_code', '=', 'MUG-BLUE'],
          ['location_id', '=', wh.lotStockId],
        ],
      ],
      {
        fields: [
          'quantity',
          'reserved_quantity',
          'available_quantity',
          'inventory_quantity',
          'inventory_quantity_set',
        ],
      },
    );
    expect(quant).toMatchObject({
      quantity: 33,
      reserved_quantity: 0,
      available_quantity: 33,
      inventory_quantity: 0,
      inventory_quantity_set: false,
    });
  });

  it('applies the Update Quantity wizard (second route) in the first warehouse', async () => {
    const productId = await odoo.productIdBySku('LAMP');
    const [product] = await odoo.executeKw<Array<{ product_tmpl_id: Many2one }>>('product.product', 'read', [
      [productId],
      ['product_tmpl_id'],
    ]);
    const wizardId = await odoo.executeKw<number>('stock.change.product.qty', 'create', [
      { product_id: productId, product_tmpl_id: product?.product_tmpl_id[0], new_quantity: 12 },
    ]);
    const action = await odoo.executeKw('stock.change.product.qty', 'change_product_qty', [[wizardId]]);
    expect(action).toEqual({ type: 'ir.actions.act_window_close' });
    expect((await odoo.quantities('LAMP', 'WH')).qty_available).toBe(12);
    const [move] = await lastMoves(1);
    expect(move).toMatchObject({
      state: 'done',
      is_inventory: true,
      quantity: 7,
      location_dest_id: [expect.any(Number), 'WH/Stock'],
    });
  });

  it('refuses direct quant edits outside the inventory routes', async () => {
    const quantIds = await odoo.executeKw<number[]>('stock.quant', 'search', [[]], { limit: 1 });
    await expect(odoo.executeKw('stock.quant', 'write', [quantIds, { quantity: 5 }])).rejects.toMatchObject({
      errorName: 'odoo.exceptions.UserError',
    });
    await expect(
      odoo.executeKw('stock.quant', 'create', [{ product_id: 1, location_id: 1, quantity: 5 }]),
    ).rejects.toThrow(/Quant's creation is restricted/);
  });

  it('reserves at confirmation: free_qty drops, qty_available stays; delivery then lowers qty_available', async () => {
    const sale = await odoo.createAndConfirmSale([{ sku: 'CAP', qty: 4 }]);
    expect(sale.pickingIds).toHaveLength(1);
    expect(await odoo.quantities('CAP', 'WH')).toEqual({
      qty_available: 30,
      free_qty: 26,
      virtual_available: 26,
      outgoing_qty: 4,
    });
    expect(await odoo.quantities('CAP', 'WH2')).toEqual({
      qty_available: 8,
      free_qty: 8,
      virtual_available: 8,
      outgoing_qty: 0,
    });
    const [move] = await lastMoves(1);
    expect(move).toMatchObject({ state: 'assigned', quantity: 4, product_uom_qty: 4 });
    const pickingId = sale.pickingIds[0] as number;
    const [picking] = await odoo.executeKw<Array<{ name: string; state: string; origin: string }>>(
      'stock.picking',
      'read',
      [[pickingId], ['name', 'state', 'origin']],
    );
    expect(picking).toMatchObject({ name: 'WH/OUT/00001', state: 'assigned', origin: 'S00001' });

    // without skip_sms Odoo answers the SMS confirmation wizard and validates nothing
    const wizard = await odoo.executeKw('stock.picking', 'button_validate', [[pickingId]]);
    expect(wizard).toMatchObject({ type: 'ir.actions.act_window', res_model: 'confirm.stock.sms' });
    expect((await odoo.quantities('CAP', 'WH')).qty_available).toBe(30);

    await odoo.validateDelivery(pickingId);
    expect(await odoo.quantities('CAP', 'WH')).toEqual({
      qty_available: 26,
      free_qty: 26,
      virtual_available: 26,
      outgoing_qty: 0,
    });
    const [done] = await lastMoves(1);
    expect(done).toMatchObject({
      state: 'done',
      quantity: 4,
      location_dest_id: [expect.any(Number), 'Partners/Customers'],
    });
  });

  it('leaves a move confirmed without stock and partially available with some; restocking reserves it', async () => {
    await odoo.createAndConfirmSale([{ sku: 'TEE-M', qty: 3 }]);
    expect(await odoo.quantities('TEE-M', 'WH')).toEqual({
      qty_available: 0,
      free_qty: 0,
      virtual_available: -3,
      outgoing_qty: 3,
    });
    expect((await lastMoves(1))[0]).toMatchObject({ state: 'confirmed', quantity: 0 });

    await odoo.createAndConfirmSale([{ sku: 'LAMP', qty: 8 }]);
    expect((await lastMoves(1))[0]).toMatchObject({ state: 'partially_available', quantity: 5 });
    expect(await odoo.quantities('LAMP', 'WH')).toMatchObject({
      qty_available: 5,
      free_qty: 0,
      virtual_available: -3,
    });

    await odoo.adjustInventory('TEE-M', 'WH', 10);
    expect(await odoo.quantities('TEE-M', 'WH')).toEqual({
      qty_available: 10,
      free_qty: 7,
      virtual_available: 7,
      outgoing_qty: 3,
    });
    const tee = await odoo.executeKw<MoveRow[]>(
      'stock.move',
      'search_read',
      [
        [
          ['product_id.default_code', '=', 'TEE-M'],
          ['is_inventory', '=', false],
        ],
      ],
      { fields: ['state', 'quantity'] },
    );
    expect(tee).toEqual([expect.objectContaining({ state: 'assigned', quantity: 3 })]);
  });

  it('unreserves when a count drops below what is reserved, and on sale cancellation', async () => {
    const sale = await odoo.createAndConfirmSale([{ sku: 'MUG-RED', qty: 20 }]);
    await odoo.adjustInventory('MUG-RED', 'WH', 15);
    expect(await odoo.quantities('MUG-RED', 'WH')).toMatchObject({ qty_available: 15, free_qty: 0 });
    expect((await lastMoves(2)).find((m) => !m.is_inventory)).toMatchObject({
      state: 'partially_available',
      quantity: 15,
    });
    await odoo.executeKw('sale.order', 'action_cancel', [[sale.orderId]]);
    expect(await odoo.quantities('MUG-RED', 'WH')).toEqual({
      qty_available: 15,
      free_qty: 15,
      virtual_available: 15,
      outgoing_qty: 0,
    });
  });

  it('computes a kit from its components per field, in each warehouse', async () => {
    expect((await odoo.quantities('GIFT-SET', 'WH')).qty_available).toBe(40); // min(40 mugs / 1, 100 socks / 2)
    expect((await odoo.quantities('GIFT-SET', 'WH2')).qty_available).toBe(10); // min(10 / 1, 20 / 2)
    await odoo.adjustInventory('SOCKS', 'WH', 9);
    expect((await odoo.quantities('GIFT-SET', 'WH')).qty_available).toBe(4);
    // selling kits moves the components; the kit follows
    const sale = await odoo.createAndConfirmSale([{ sku: 'GIFT-SET', qty: 2 }]);
    const moves = await odoo.executeKw<MoveRow[]>(
      'stock.move',
      'search_read',
      [[['picking_id', 'in', sale.pickingIds]]],
      {
        fields: ['product_id', 'product_uom_qty'],
        order: 'id',
      },
    );
    expect(moves.map((m) => [m.product_id[1], m.product_uom_qty])).toEqual([
      ['[MUG-BLUE] Blue Mug', 2],
      ['[SOCKS] Socks', 4],
    ]);
    expect(await odoo.quantities('GIFT-SET', 'WH')).toMatchObject({ qty_available: 4, free_qty: 2 });
    const [kit] = await odoo.executeKw<Array<{ is_kits: boolean }>>('product.product', 'read', [
      [await odoo.productIdBySku('GIFT-SET')],
      ['is_kits'],
    ]);
    expect(kit?.is_kits).toBe(true);
  });

  it('scopes quantities by location (with children), by allowed companies, and defaults to all warehouses', async () => {
    const wh2 = await odoo.warehouseByCode('WH2');
    expect(await mugQty(odoo, {})).toBe(50);
    expect(await mugQty(odoo, { location: wh2.lotStockId })).toBe(10);
    expect(await mugQty(odoo, { location: [wh2.viewLocationId] })).toBe(10);
    expect(await mugQty(odoo, { location: wh2.viewLocationId, compute_child: false })).toBe(0);
    expect(await mugQty(odoo, { location: 'WH2/Stock' })).toBe(10);
    expect(await mugQty(odoo, { allowed_company_ids: [1] })).toBe(50);
    await expect(mugQty(odoo, { allowed_company_ids: [2] })).rejects.toThrow(
      /Access to unauthorized or invalid companies/,
    );
  });

  it('stamps write_date with the call start, records archive on the product, and rolls back a failed call', async () => {
    await odoo.archiveProduct('CAP');
    const [cap] = await odoo.executeKw<Array<{ active: boolean; write_date: string }>>(
      'product.product',
      'search_read',
      [[['default_code', '=', 'CAP']]],
      { fields: ['active', 'write_date'], context: { active_test: false } },
    );
    expect(cap?.active).toBe(false);
    expect(Date.parse(`${cap?.write_date ?? ''}Z`)).toBeGreaterThan(Date.now() - 5_000);

    const orders = (): Promise<number> => odoo.executeKw<number>('sale.order', 'search_count', [[]]);
    const before = await orders();
    const partner = await odoo.executeKw<number[]>('res.partner', 'search', [[]], { limit: 1 });
    const failing = odoo.executeKw('sale.order', 'create', [
      { partner_id: partner[0], order_line: [[0, 0, { product_id: 999999, product_uom_qty: 1 }]] },
    ]);
    await expect(failing).rejects.toBeInstanceOf(OdooRpcError);
    expect(await orders()).toBe(before);
  });

  it('keeps a long transaction invisible until commit, then shows it with its older write_date', async () => {
    const wh = await odoo.warehouseByCode('WH');
    const socks = await odoo.productIdBySku('SOCKS');
    const tx = sim.beginLongTransaction();
    tx.adjustInventory(socks, wh.lotStockId, 55);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // let the wall clock pass a whole second
    await odoo.adjustInventory('CAP', 'WH', 1); // a short transaction that commits first
    const [capMove] = await lastMoves(1);
    expect((await odoo.quantities('SOCKS', 'WH')).qty_available).toBe(100);
    const socksSince = (): Promise<number> =>
      odoo.executeKw<number>('stock.move', 'search_count', [
        [
          ['product_id', '=', socks],
          ['write_date', '>=', capMove?.write_date ?? ''],
        ],
      ]);
    expect(await socksSince()).toBe(0);

    tx.commit();
    expect((await odoo.quantities('SOCKS', 'WH')).qty_available).toBe(55);
    const [socksMove] = await lastMoves(1);
    expect(socksMove).toMatchObject({
      product_id: [socks, '[SOCKS] Socks'],
      is_inventory: true,
      quantity: 45,
    });
    expect((socksMove?.write_date ?? '') < (capMove?.write_date ?? '')).toBe(true);
    // the hazard a poller must cover with an overlap window: a cursor at the CAP move never sees it
    expect(await socksSince()).toBe(0);
    expect(() => tx.commit()).toThrow(/already committed/);
  });
});

describe('Odoo simulator: version differences', () => {
  it('17 reads `warehouse` and ignores `warehouse_id`; exposes detailed_type, not is_storable', () =>
    withSimulator({ version: 17 }, async (odoo) => {
      const wh2 = await odoo.warehouseByCode('WH2');
      expect(await mugQty(odoo, { warehouse: wh2.id })).toBe(10);
      expect(await mugQty(odoo, { warehouse: 'Second' })).toBe(10);
      expect(await mugQty(odoo, { warehouse_id: wh2.id })).toBe(50);
      const fields = await odoo.executeKw<Record<string, { type: string }>>('product.product', 'fields_get', [
        ['is_storable', 'detailed_type', 'type'],
        ['type', 'string'],
      ]);
      expect(Object.keys(fields).sort()).toEqual(['detailed_type', 'type']);
      expect(fields['detailed_type']).toEqual({ type: 'selection', string: 'Product Type' });
      const domain = [['detailed_type', '=', 'product']];
      expect(await odoo.executeKw<number>('product.product', 'search_count', [domain])).toBe(9);
    }));

  it('18 reads `warehouse_id` and ignores `warehouse`; storable is type consu + is_storable', () =>
    withSimulator({ version: 18 }, async (odoo) => {
      const wh2 = await odoo.warehouseByCode('WH2');
      expect(await mugQty(odoo, { warehouse_id: wh2.id })).toBe(10);
      expect(await mugQty(odoo, { warehouse: wh2.id })).toBe(50);
      const fields = await odoo.executeKw<Record<string, unknown>>('product.product', 'fields_get', [
        ['is_storable', 'detailed_type'],
      ]);
      expect(Object.keys(fields)).toEqual(['is_storable']);
      const domain = [
        ['type', '=', 'consu'],
        ['is_storable', '=', true],
      ];
      expect(await odoo.executeKw<number>('product.product', 'search_count', [domain])).toBe(9);
      await expect(
        odoo.executeKw('product.product', 'search', [[['detailed_type', '=', 'product']]]),
      ).rejects.toThrow(/Invalid field 'detailed_type'/);
      await expect(
        odoo.executeKw('product.template', 'create', [{ name: 'X', type: 'product' }]),
      ).rejects.toThrow("Wrong value for product.template.type: 'product'");
      const id = await odoo.executeKw<number>('product.product', 'create', [
        { name: 'New Goods', default_code: 'NEW', type: 'consu', is_storable: true },
      ]);
      const [created] = await odoo.executeKw<Array<Record<string, unknown>>>('product.product', 'read', [
        [id],
        ['type', 'is_storable', 'display_name'],
      ]);
      expect(created).toEqual({ id, type: 'consu', is_storable: true, display_name: '[NEW] New Goods' });
    }));

  it('16 names the move quantities quantity_done/reserved_availability', () =>
    withSimulator({ version: 16 }, async (odoo) => {
      await odoo.createAndConfirmSale([{ sku: 'CAP', qty: 2 }]);
      const fields = await odoo.executeKw<Record<string, unknown>>('stock.move', 'fields_get', [
        [],
        ['type'],
      ]);
      expect(fields).toHaveProperty('reserved_availability');
      expect(fields).toHaveProperty('quantity_done');
      expect(fields).not.toHaveProperty('quantity');
      const [move] = await odoo.executeKw<Array<Record<string, unknown>>>(
        'stock.move',
        'search_read',
        [[['is_inventory', '=', false]]],
        { fields: ['state', 'reserved_availability', 'quantity_done'] },
      );
      expect(move).toMatchObject({ state: 'assigned', reserved_availability: 2, quantity_done: 0 });
    }));

  it("an 'empty' seed has the company, warehouses and locations but no products", () =>
    withSimulator({ seed: 'empty' }, async (odoo) => {
      const products = await odoo.executeKw<number>('product.product', 'search_count', [[]], {
        context: { active_test: false },
      });
      expect(products).toBe(0);
      expect((await odoo.warehouseByCode('WH2')).lotStockId).toEqual(expect.any(Number));
      const virtual = await odoo.executeKw<Array<{ complete_name: string }>>(
        'stock.location',
        'search_read',
        [[['usage', 'in', ['customer', 'supplier', 'inventory']]]],
        { fields: ['complete_name'], order: 'complete_name' },
      );
      expect(virtual.map((u) => u.complete_name)).toEqual([
        'Partners/Customers',
        'Partners/Vendors',
        'Virtual Locations/Inventory adjustment',
      ]);
    }));
});
