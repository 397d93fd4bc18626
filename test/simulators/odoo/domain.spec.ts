import { OdooRpcError, OdooTestClient } from '../../support/odoo-test-client';
import { startOdooSimulator, type OdooSimulator } from './odoo-simulator';

describe('Odoo simulator: domains, ordering and paging over execute_kw', () => {
  let sim: OdooSimulator;
  let odoo: OdooTestClient;

  beforeAll(async () => {
    sim = await startOdooSimulator();
    odoo = await OdooTestClient.connect(sim.url, sim.db, sim.login, sim.apiKey);
  });
  afterAll(() => sim.close());

  const skus = async (domain: unknown[], kwargs: Record<string, unknown> = {}): Promise<string[]> => {
    const rows = await odoo.executeKw<Array<{ default_code: string }>>(
      'product.product',
      'search_read',
      [domain],
      {
        fields: ['default_code'],
        order: 'default_code asc',
        ...kwargs,
      },
    );
    return rows.map((r) => r.default_code);
  };

  it('ANDs top-level terms and applies prefix |, & and !', async () => {
    expect(
      await skus([
        ['default_code', 'like', 'MUG'],
        ['default_code', '!=', 'MUG-RED'],
      ]),
    ).toEqual(['MUG-BLUE']);
    expect(await skus(['|', ['default_code', '=', 'CAP'], ['default_code', '=', 'LAMP']])).toEqual([
      'CAP',
      'LAMP',
    ]);
    expect(await skus(['!', ['default_code', 'ilike', 'e']])).toEqual([
      'BAG',
      'CAP',
      'LAMP',
      'SOCKS',
      'WRAP',
    ]);
    // & binds the next two terms, the trailing term is ANDed implicitly: (CAP or LAMP) and not LAMP
    expect(
      await skus([
        '&',
        '|',
        ['default_code', '=', 'CAP'],
        ['default_code', '=', 'LAMP'],
        ['default_code', '!=', 'LAMP'],
      ]),
    ).toEqual(['CAP']);
    expect(
      await skus([
        [1, '=', 1],
        ['default_code', '=', 'CAP'],
      ]),
    ).toEqual(['CAP']);
    expect(await skus([[0, '=', 1]])).toEqual([]);
  });

  it('matches like/ilike with wrapping, =like/=ilike as patterns, in/not in with False', async () => {
    expect(await skus([['default_code', 'ilike', 'mug']])).toEqual(['MUG-BLUE', 'MUG-RED']);
    expect(await skus([['default_code', 'like', 'mug']])).toEqual([]);
    expect(await skus([['default_code', '=like', 'TEE-_']])).toEqual(['TEE-M', 'TEE-S']);
    expect(await skus([['default_code', '=ilike', 'tee%']])).toEqual(['TEE-M', 'TEE-S']);
    expect(await skus([['default_code', 'in', ['CAP', 'LAMP', 'NOPE']]])).toEqual(['CAP', 'LAMP']);
    expect(
      await skus([
        ['default_code', 'not in', ['CAP', 'LAMP']],
        ['default_code', 'like', 'A'],
      ]),
    ).toEqual(['BAG', 'NOTE-A5', 'WRAP']);
    const noBarcode = await odoo.executeKw<number>('product.product', 'search_count', [
      [['barcode', 'in', [false]]],
    ]);
    expect(noBarcode).toBe(11);
  });

  it('follows dotted paths, many2one by id, by name and = False, and child_of on locations', async () => {
    const wh = await odoo.warehouseByCode('WH');
    const mug = await odoo.productIdBySku('MUG-BLUE');
    const quants = (
      domain: unknown[],
    ): Promise<Array<{ product_id: [number, string]; location_id: [number, string] }>> =>
      odoo.executeKw('stock.quant', 'search_read', [domain], {
        fields: ['product_id', 'location_id'],
        order: 'id',
      });

    const internalMug = await quants([
      ['product_id', '=', mug],
      ['location_id.usage', '=', 'internal'],
    ]);
    expect(internalMug.map((q) => q.location_id[1])).toEqual(['WH/Stock', 'WH2/Stock']);
    const inWh = await quants([
      ['product_id', 'ilike', 'blue mug'],
      ['location_id', 'child_of', wh.viewLocationId],
    ]);
    expect(inWh.map((q) => q.location_id[1])).toEqual(['WH/Stock']);
    const virtual = await quants([
      ['product_id', '=', mug],
      ['location_id.usage', '!=', 'internal'],
    ]);
    expect(virtual.map((q) => q.location_id[1])).toEqual(['Virtual Locations/Inventory adjustment']);
    const roots = await odoo.executeKw<number>('stock.location', 'search_count', [
      [['location_id', '=', false]],
    ]);
    expect(roots).toBe(3);
    const product = await odoo.executeKw<number[]>('product.product', 'search', [
      [
        ['product_tmpl_id.name', '=', 'T-Shirt'],
        ['product_tmpl_id', '!=', false],
      ],
    ]);
    expect(product).toHaveLength(2);
  });

  it('compares datetimes given as UTC strings and orders, limits and offsets', async () => {
    const moves = await odoo.executeKw<Array<{ id: number; write_date: string }>>(
      'stock.move',
      'search_read',
      [[]],
      { fields: ['write_date'], order: 'write_date asc, id asc' },
    );
    expect(moves.length).toBeGreaterThan(10);
    for (const m of moves) expect(m.write_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const since = moves[0]?.write_date ?? '';
    const later = await odoo.executeKw<number>('stock.move', 'search_count', [[['write_date', '>=', since]]]);
    expect(later).toBe(moves.length);
    const future = await odoo.executeKw<number>('stock.move', 'search_count', [
      [['write_date', '>', '2999-01-01 00:00:00']],
    ]);
    expect(future).toBe(0);

    const desc = await odoo.executeKw<number[]>('stock.move', 'search', [[]], { order: 'id desc', limit: 3 });
    const all = moves.map((m) => m.id).sort((a, b) => b - a);
    expect(desc).toEqual(all.slice(0, 3));
    const page = await odoo.executeKw<number[]>('stock.move', 'search', [[]], {
      order: 'id desc',
      limit: 3,
      offset: 3,
    });
    expect(page).toEqual(all.slice(3, 6));
    expect(await odoo.executeKw<number>('stock.move', 'search_count', [[]], { limit: 2 })).toBe(2);
  });

  it('hides archived records unless active_test=false or the domain names active', async () => {
    expect(await skus([['default_code', '=', 'MUG-OLD']])).toEqual([]);
    expect(await skus([['default_code', '=', 'MUG-OLD']], { context: { active_test: false } })).toEqual([
      'MUG-OLD',
    ]);
    expect(await skus([['active', '=', false]])).toEqual(['MUG-OLD']);
    // read() by id still returns an archived record
    const id = await odoo.productIdBySku('MUG-OLD');
    const [row] = await odoo.executeKw<Array<{ active: boolean }>>('product.product', 'read', [[id]], {
      fields: ['active'],
    });
    expect(row).toEqual({ id, active: false });
  });

  it('rejects unknown fields, operators, malformed leaves and orders with ValueError', async () => {
    const error = (domain: unknown[], kwargs: Record<string, unknown> = {}): Promise<unknown> =>
      odoo.executeKw('product.product', 'search', [domain], kwargs).then(
        () => 'no error',
        (err: unknown) => err,
      );
    const check = async (promise: Promise<unknown>, message: RegExp): Promise<void> => {
      const err = await promise;
      expect(err).toBeInstanceOf(OdooRpcError);
      expect((err as OdooRpcError).errorName).toBe('builtins.ValueError');
      expect((err as OdooRpcError).message).toMatch(message);
    };
    await check(
      error([['no_such_field', '=', 1]]),
      /Invalid field 'no_such_field' on model 'product.product'/,
    );
    await check(error([['default_code', '~', 'x']]), /Invalid operator '~'/);
    await check(error([['default_code', '=']]), /Invalid leaf/);
    await check(error(['|', ['default_code', '=', 'CAP']]), /Invalid domain/);
    await check(error([], { order: 'qty_available desc' }), /Invalid "order" specified/);
    await check(error([], { order: 'id; drop table' }), /Invalid "order" specified/);
  });
});
