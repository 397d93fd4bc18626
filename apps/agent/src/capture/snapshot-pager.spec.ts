import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotChunk } from '@stockbridge/shared';
import { OdooClient } from '../odoo/odoo.client';
import { StateStore } from './capture-state.store';
import type { ExclusiveReadContext } from './capture.service';
import { startFakeOdoo, type FakeOdoo } from './fake-odoo.fixture';
import { KitMap } from './kit-map';
import type { Warehouse } from './level-reader';
import { readSnapshotPage, snapshotDomain } from './snapshot-pager';
import { SnapshotReader, type ExclusiveReader } from './snapshot-reader';

const WH = 1;
const WH2 = 2;
const WAREHOUSES: Warehouse[] = [
  { id: WH, code: 'WH', companyId: 1 },
  { id: WH2, code: 'WH2', companyId: 1 },
];
const KIT = 12;
const SERVICE = 13;
const ARCHIVED = 14;

/** Storable 10, 11, 15..19; a consumable kit 12 (of 10 + 11); a service 13; an archived storable 14. */
function seed(odoo: FakeOdoo): void {
  odoo.write('stock.warehouse', WH, { code: 'WH', company_id: [1, 'My Company'] });
  odoo.write('stock.warehouse', WH2, { code: 'WH2', company_id: [1, 'My Company'] });
  const product = (id: number, type = 'product', active = true): void =>
    odoo.write('product.product', id, {
      default_code: `P-${id}`,
      barcode: false,
      detailed_type: type,
      active,
    });
  for (const id of [10, 11, 15, 16, 17, 18, 19]) product(id);
  product(KIT, 'consu');
  product(SERVICE, 'service');
  product(ARCHIVED, 'product', false);
  odoo.write('mrp.bom', 1, { type: 'phantom', product_id: [KIT, 'P-12'], product_tmpl_id: [112, 'x'] });
  odoo.write('mrp.bom.line', 1, { bom_id: [1, 'P-12'], product_id: [10, 'P-10'], product_qty: 1 });
  odoo.write('mrp.bom.line', 2, { bom_id: [1, 'P-12'], product_id: [11, 'P-11'], product_qty: 1 });
  for (const id of [10, 11, 15, 16, 17, 18, 19]) odoo.setStock(id, WH, id, id - 1, id + 1);
  odoo.setStock(10, WH2, 3, 3, 3);
}

describe('snapshot pager (id ranges)', () => {
  let odoo: FakeOdoo;
  let client: OdooClient;

  beforeEach(async () => {
    odoo = await startFakeOdoo();
    seed(odoo);
    client = await OdooClient.connect({
      url: odoo.url,
      db: 'prod',
      user: 'bot',
      apiKey: 'key',
      retry: { attempts: 1 },
    });
  });
  afterEach(() => odoo.close());

  const page = (afterId: number, limit: number) =>
    readSnapshotPage({
      odoo: client,
      afterId,
      limit,
      warehouses: WAREHOUSES,
      kitIds: [KIT],
      readBatchSize: 500,
    });

  it('asks for active tracked products after an id, never with an offset', async () => {
    expect(snapshotDomain(12, 'detailed_type', [KIT])).toEqual([
      ['id', '>', 12],
      '|',
      ['detailed_type', '=', 'product'],
      ['id', 'in', [KIT]],
    ]);
    expect(snapshotDomain(0, 'is_storable', [])).toEqual([
      ['id', '>', 0],
      ['is_storable', '=', true],
    ]);
    await page(0, 3);
    const searches = odoo.calls.filter((c) => c.method === 'search_read' && c.model === 'product.product');
    expect(searches).toHaveLength(1);
    expect(searches[0]?.kwargs).toMatchObject({ order: 'id asc', limit: 3 });
    expect(searches[0]?.kwargs).not.toHaveProperty('offset');
  });

  it('covers every tracked product once, kits included, skipping services and archived products', async () => {
    const pages: Array<{ after: number; last: number; ids: number[]; exhausted: boolean }> = [];
    for (let after = 0; ;) {
      const p = await page(after, 3);
      if (!p) break;
      pages.push({
        after: p.afterProductId,
        last: p.lastProductId,
        ids: p.productIds,
        exhausted: p.exhausted,
      });
      after = p.lastProductId;
      if (p.exhausted) break;
    }
    expect(pages).toEqual([
      { after: 0, last: 12, ids: [10, 11, KIT], exhausted: false },
      { after: 12, last: 17, ids: [15, 16, 17], exhausted: false },
      { after: 17, last: 19, ids: [18, 19], exhausted: true },
    ]);
    await expect(page(19, 3)).resolves.toBeNull();
  });

  it('reads every warehouse of a page, kits computed from their parts, only active levels', async () => {
    const first = await page(0, 3);
    const levels = (first?.levels ?? []).map((l) => [
      l.productId,
      l.warehouse,
      l.level.onHand,
      l.level.active,
    ]);
    expect(levels).toEqual([
      [10, 'WH', 10, true],
      [11, 'WH', 11, true],
      [KIT, 'WH', 10, true], // min(10 / 1, 11 / 1)
      [10, 'WH2', 3, true],
      [11, 'WH2', 0, true],
      [KIT, 'WH2', 0, true],
    ]);
  });

  it('a product created meanwhile is found by a later page; archiving one already read shifts nothing', async () => {
    const first = await page(0, 3);
    odoo.write('product.product', 10, { active: false }); // already covered
    odoo.write('product.product', 30, { default_code: 'P-30', detailed_type: 'product', active: true });
    const second = await page(first?.lastProductId ?? 0, 10);
    expect(second?.productIds).toEqual([15, 16, 17, 18, 19, 30]);
    expect(second?.exhausted).toBe(true);
  });
});

describe('SnapshotReader', () => {
  let odoo: FakeOdoo;
  let dir: string;
  let state: StateStore;
  let reader: ExclusiveReader;

  beforeEach(async () => {
    odoo = await startFakeOdoo();
    seed(odoo);
    dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
    state = await StateStore.open(dir);
    const client = await OdooClient.connect({
      url: odoo.url,
      db: 'prod',
      user: 'bot',
      apiKey: 'key',
      retry: { attempts: 1 },
    });
    const kits = await KitMap.load(client, 500);
    const ctx: ExclusiveReadContext = { odoo: client, kits, state, readBatchSize: 500 };
    reader = { exclusiveRead: (fn) => fn(ctx) };
  });
  afterEach(async () => {
    await odoo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads chunks with versions newer than its start, valid on the wire, and follows them in the published state', async () => {
    const before = state.nextVersion();
    const snapshot = await SnapshotReader.open(reader, 'snapshot-s1');
    expect(snapshot.warehouses).toEqual(['WH', 'WH2']);
    expect(snapshot.version).toBeGreaterThan(before);
    const chunk = await snapshot.next(0, 3);
    expect(chunk).toMatchObject({ afterProductId: 0, lastProductId: KIT, exhausted: false });
    const events = chunk?.events ?? [];
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.version > snapshot.version && e.correlationId === 'snapshot-s1')).toBe(true);
    expect(new Set(events.map((e) => e.version)).size).toBe(events.length); // one version per reading
    const wire = parseSnapshotChunk({
      snapshotId: 's1',
      attempt: 1,
      seq: 1,
      afterProductId: 0,
      lastProductId: KIT,
      events,
    });
    expect(wire.ok).toBe(true);
    expect(state.published(KIT, 'WH')).toBeUndefined(); // not before the relay stored the whole snapshot
    await snapshot.commit();
    expect(state.published(KIT, 'WH')).toMatchObject({ onHand: 10, active: true });
  });

  it('commits nothing a poll published meanwhile, and reads nothing more once closed', async () => {
    const snapshot = await SnapshotReader.open(reader, 'snapshot-s4');
    await snapshot.next(0, 3);
    const newer = { sku: 'GIFT-SET', barcode: null, onHand: 3, free: 3, forecast: 3, active: true };
    state.apply({
      cursors: new Map(),
      seen: new Map(),
      windowStart: new Map(),
      published: new Map([[`${KIT}@WH`, newer]]),
    });
    await snapshot.commit();
    expect(state.published(KIT, 'WH')).toBe(newer); // the poll's level is newer: the relay keeps it too
    expect(state.published(10, 'WH')).toMatchObject({ active: true }); // the rest of what was read

    const cut = await SnapshotReader.open(reader, 'snapshot-s5');
    const searches = (): number =>
      odoo.calls.filter((c) => c.method === 'search_read' && c.model === 'product.product').length;
    const before = searches();
    cut.close();
    expect(await cut.next(0, 3)).toBeNull();
    expect(searches()).toBe(before);
  });

  it('reads Odoo in pages of several chunks, and from scratch when asked to resume elsewhere', async () => {
    const snapshot = await SnapshotReader.open(reader, 'snapshot-s3');
    const searches = (): number =>
      odoo.calls.filter((c) => c.method === 'search_read' && c.model === 'product.product').length;
    const before = searches();
    const first = await snapshot.next(0, 1);
    const second = await snapshot.next(first?.lastProductId ?? 0, 1);
    expect([first?.lastProductId, second?.lastProductId]).toEqual([10, 11]);
    expect(searches() - before).toBe(1); // one page of 8 products served both chunks
    const resumed = await snapshot.next(16, 1); // a resume elsewhere
    expect(resumed).toMatchObject({ afterProductId: 16, lastProductId: 17 });
    expect(searches() - before).toBe(2);
    const rest: number[] = [];
    for (
      let c = await snapshot.next(17, 1);
      c;
      c = c.exhausted ? null : await snapshot.next(c.lastProductId, 1)
    )
      rest.push(c.lastProductId);
    expect(rest).toEqual([18, 19]);
  });

  it('marks published levels that Odoo no longer lists in the range inactive, up to the end after the last page', async () => {
    const zero = { sku: 'P-x', barcode: null, onHand: 5, free: 5, forecast: 5, active: true };
    state.apply({
      cursors: new Map(),
      seen: new Map(),
      windowStart: new Map(),
      published: new Map([
        ['11@WH', { ...zero, sku: 'P-11' }], // still there: overwritten by the read
        [`${ARCHIVED}@WH`, { ...zero, sku: 'P-14' }], // archived behind the poll's back
        ['99@WH', { ...zero, sku: 'P-99' }], // deleted, after the last product
      ]),
    });
    const snapshot = await SnapshotReader.open(reader, 'snapshot-s2');
    let after = 0;
    for (
      let chunk = await snapshot.next(after, 3);
      chunk;
      chunk = chunk.exhausted ? null : await snapshot.next(after, 3)
    )
      after = chunk.lastProductId;
    expect(state.published(ARCHIVED, 'WH')).toMatchObject({ onHand: 5, active: true }); // until committed
    await snapshot.commit();
    expect(state.published(11, 'WH')).toMatchObject({ onHand: 11, active: true });
    expect(state.published(ARCHIVED, 'WH')).toMatchObject({ onHand: 0, free: 0, active: false });
    expect(state.published(99, 'WH')).toMatchObject({ sku: 'P-99', onHand: 0, active: false });
  });
});
