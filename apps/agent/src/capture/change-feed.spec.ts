import { OdooClient } from '../odoo/odoo.client';
import type { Cursor } from './capture-state.store';
import { fingerprint, many2oneId, pageDomain, readChanges, SIGNAL_MODELS, windowStart } from './change-feed';
import { startFakeOdoo, type FakeOdoo } from './fake-odoo.fixture';

const MOVES = SIGNAL_MODELS.find((s) => s.model === 'stock.move')!;

function memoryFeedState(
  cursors: Record<string, Cursor> = {},
  seen: Record<string, Map<number, string>> = {},
) {
  return {
    cursor: (model: string) => cursors[model],
    seenFingerprint: (model: string, id: number) => seen[model]?.get(id),
  };
}

describe('change feed: the domain of a cycle', () => {
  it('looks back the overlap from the cursor, and pages strictly after the last id', () => {
    const cursor = { writeDate: '2025-03-01 10:00:00', id: 8812 };
    expect(windowStart(cursor, 10 * 60_000)).toBe('2025-03-01 09:50:00');
    expect(windowStart({ writeDate: '2025-03-01 00:05:00', id: 1 }, 10 * 60_000)).toBe('2025-02-28 23:55:00');
    expect(pageDomain('2025-03-01 09:50:00')).toEqual([['write_date', '>=', '2025-03-01 09:50:00']]);
    expect(pageDomain('2025-03-01 09:50:00', 8812)).toEqual([
      '&',
      ['write_date', '>=', '2025-03-01 09:50:00'],
      ['id', '>', 8812],
    ]);
  });

  it('fingerprints write_date plus content, so a same-second rewrite is not taken for a repeat', () => {
    const row = { id: 5, write_date: '2025-03-01 10:00:00', state: 'assigned' };
    const a = fingerprint(row, ['write_date', 'state']);
    expect(a.startsWith('2025-03-01 10:00:00|')).toBe(true);
    expect(fingerprint({ ...row, state: 'done' }, ['write_date', 'state'])).not.toBe(a);
    expect(fingerprint({ ...row }, ['write_date', 'state'])).toBe(a);
  });

  it('reads many2one ids as search_read and webhooks send them', () => {
    expect(many2oneId([44, '[SKU-44] Widget'])).toBe(44);
    expect(many2oneId(44)).toBe(44);
    expect(many2oneId(false)).toBeUndefined();
  });
});

describe('readChanges against a JSON-RPC Odoo', () => {
  let odoo: FakeOdoo;
  let client: OdooClient;

  beforeEach(async () => {
    odoo = await startFakeOdoo();
    odoo.write('stock.warehouse', 1, { code: 'WH' });
    odoo.write('product.product', 1, { default_code: 'A', product_tmpl_id: [1, 'A'] });
    client = await OdooClient.connect({ url: odoo.url, db: 'prod', user: 'bot', apiKey: 'key' });
    odoo.calls.length = 0;
  });
  afterEach(() => odoo.close());

  it('without a cursor asks for the newest row, then reads the window with fields, order, limit and context', async () => {
    odoo.write('stock.move', 7, { product_id: [1, 'A'], state: 'done' }, odoo.clock.now - 3600);
    odoo.write('stock.move', 9, { product_id: [1, 'A'], state: 'assigned' });
    const feed = await readChanges(client, MOVES, memoryFeedState(), 600_000, 500);
    expect(odoo.calls).toEqual([
      {
        model: 'stock.move',
        method: 'search_read',
        args: [[]],
        kwargs: {
          fields: ['write_date'],
          order: 'write_date desc, id desc',
          limit: 1,
          context: { active_test: false },
        },
      },
      {
        model: 'stock.move',
        method: 'search_read',
        args: [[['write_date', '>=', '2025-03-01 08:50:00']]],
        kwargs: {
          fields: ['write_date', 'product_id', 'state', 'product_uom_qty', 'location_id', 'location_dest_id'],
          order: 'id asc',
          limit: 500,
          context: { active_test: false },
        },
      },
    ]);
    expect(feed.fresh.map((r) => r.id)).toEqual([9]); // the hour-old move is outside the window
    expect(feed.cursor).toEqual({ writeDate: '2025-03-01 09:00:00', id: 9 });
    expect(feed.calls).toBe(2);
  });

  it('pages through more rows than a page within one second, and drops rows already handled', async () => {
    for (let id = 1; id <= 7; id++) odoo.write('stock.move', id, { product_id: [1, 'A'], state: 'done' });
    const cursor = { writeDate: '2025-03-01 09:00:00', id: 7 };
    const first = await readChanges(client, MOVES, memoryFeedState({ 'stock.move': cursor }), 600_000, 3);
    expect(first.fresh.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(first.calls).toBe(3); // 3 + 3 + 1
    const domains = odoo.calls.map((c) => c.args[0]);
    expect(domains[1]).toEqual(['&', ['write_date', '>=', '2025-03-01 08:50:00'], ['id', '>', 3]]);
    // Next cycle: same rows, same content → nothing fresh; one rewritten in the same second → fresh.
    odoo.write('stock.move', 4, { state: 'cancel' });
    const again = await readChanges(
      client,
      MOVES,
      memoryFeedState({ 'stock.move': first.cursor }, { 'stock.move': first.seen }),
      600_000,
      3,
    );
    expect(again.fresh.map((r) => r.id)).toEqual([4]);
  });

  it('never moves the cursor back when the newest row is gone', async () => {
    odoo.write('stock.move', 3, { product_id: [1, 'A'] }, odoo.clock.now - 60);
    const cursor = { writeDate: '2025-03-01 09:00:00', id: 50 };
    const feed = await readChanges(client, MOVES, memoryFeedState({ 'stock.move': cursor }), 600_000, 500);
    expect(feed.cursor).toEqual(cursor);
    expect(feed.fresh.map((r) => r.id)).toEqual([3]);
  });

  it('rejects a row without a usable write_date as a protocol problem', async () => {
    odoo.write('stock.move', 3, { product_id: [1, 'A'] });
    odoo.tables.get('stock.move')!.get(3)!['write_date'] = '2025-03-01 09:00:00'; // fine
    odoo.write('stock.move', 4, { product_id: [1, 'A'] });
    odoo.tables.get('stock.move')!.get(4)!['write_date'] = '2025-03-01T09:00:00Z';
    await expect(
      readChanges(
        client,
        MOVES,
        memoryFeedState({ 'stock.move': { writeDate: '2025-03-01 08:00:00', id: 1 } }),
        1,
        500,
      ),
    ).rejects.toMatchObject({
      kind: 'protocol',
      message: expect.stringContaining('stock.move 4 with write_date') as unknown,
    });
  });
});
