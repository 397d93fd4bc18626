import { randomUUID } from 'node:crypto';
import type { LevelEventV1 } from '@stockbridge/shared';
import type { OdooClient } from '../odoo/odoo.client';
import { levelKey, type PublishedLevel, type StateStore, type StateUpdate } from './capture-state.store';
import { FEED_CONTEXT, many2oneId, readChanges, SIGNAL_MODELS, type FeedResult } from './change-feed';
import { chunks, KitMap } from './kit-map';
import { levelEvent, listWarehouses, readLevels } from './level-reader';
import type { LevelSink } from './level-sink';

export interface CycleSettings {
  overlapMs: number;
  pageSize: number;
  readBatchSize: number;
  /** Reload the phantom BoM map at least this often (BoM deletions leave no write_date behind). */
  kitMapMaxAgeMs: number;
}

export interface CycleInput extends CycleSettings {
  odoo: OdooClient;
  state: StateStore;
  sink: LevelSink;
  mrp: boolean;
  kits: KitMap | undefined;
  now?: () => number;
}

export interface CycleOutcome {
  correlationId: string;
  /** The first cycle on an empty state: every active product was read. */
  initial: boolean;
  changedLevels: number;
  dirtyProducts: number;
  odooCalls: number;
  /** A reloaded kit map, to adopt only because the cycle succeeded. */
  kits: KitMap | undefined;
}

/** Raised when the sink refused the events: nothing of the cycle was saved. */
export class PublishError extends Error {
  constructor(count: number, cause: unknown) {
    super(
      `publishing ${count} level event${count === 1 ? '' : 's'} to the outbox failed ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); the Odoo cursor stays, the next poll reads them again`,
      { cause },
    );
    this.name = 'PublishError';
  }
}

/**
 * One incremental capture: read every signal model's changes in the overlap window, collect dirty products
 * (plus the kits that contain them), re-read their quantities per warehouse, publish the levels that differ
 * from the last published ones, and only then move the cursors.
 */
export async function runPollCycle(input: CycleInput): Promise<CycleOutcome> {
  const { odoo, state } = input;
  const now = input.now ?? Date.now;
  const correlationId = `poll-${randomUUID()}`;
  let odooCalls = 0;

  // No cursor yet (first run, or the state directory was lost): publish every active product once, so the
  // relay starts from a complete picture; from then on only changes.
  const initial = state.cursor('stock.move') === undefined;
  const feeds: FeedResult[] = [];
  for (const signal of SIGNAL_MODELS) {
    if (signal.mrp && !input.mrp) continue;
    const feed = await readChanges(odoo, signal, state, input.overlapMs, input.pageSize);
    odooCalls += feed.calls;
    feeds.push(feed);
  }

  const dirty = new Set<number>();
  const templates = new Set<number>();
  const boms = new Set<number>();
  for (const feed of feeds) {
    for (const row of feed.fresh) {
      switch (feed.model) {
        case 'product.product':
          dirty.add(row.id);
          break;
        case 'product.template':
          templates.add(row.id);
          break;
        case 'mrp.bom':
          boms.add(row.id);
          break;
        case 'mrp.bom.line':
          addId(boms, many2oneId(row['bom_id']));
          break;
        default: // stock.move, stock.quant
          addId(dirty, many2oneId(row['product_id']));
      }
    }
  }

  if (initial) {
    for (let lastId = 0; ;) {
      const page = await odoo.searchRead('product.product', [['id', '>', lastId]], {
        fields: ['id'],
        order: 'id asc',
        limit: input.pageSize,
      });
      odooCalls++;
      for (const p of page) dirty.add(p.id);
      const last = page.at(-1);
      if (page.length < input.pageSize || !last) break;
      lastId = last.id;
    }
  }

  for (const chunk of chunks([...templates], input.pageSize)) {
    const variants = await odoo.searchRead('product.product', [['product_tmpl_id', 'in', chunk]], {
      fields: ['id'],
      order: 'id asc',
      context: FEED_CONTEXT,
    });
    odooCalls++;
    for (const v of variants) dirty.add(v.id);
  }

  let kits = input.kits;
  let reloaded: KitMap | undefined;
  if (input.mrp && (!kits || boms.size > 0 || now() - kits.loadedAt > input.kitMapMaxAgeMs)) {
    reloaded = await KitMap.load(odoo, input.pageSize, now());
    odooCalls += reloaded.loadCalls;
    // A changed BoM refreshes the kits it defined before and after (a kit that stops being one goes to 0).
    for (const id of [...(kits?.kitsOfBoms(boms) ?? []), ...reloaded.kitsOfBoms(boms)]) dirty.add(id);
    kits = reloaded;
  }
  if (kits) for (const id of kits.kitsContaining(dirty)) dirty.add(id);

  const events: LevelEventV1[] = [];
  const published = new Map<string, PublishedLevel>();
  if (dirty.size > 0) {
    const warehouses = await listWarehouses(odoo);
    odooCalls++;
    const kitMap = kits;
    const read = await readLevels(
      odoo,
      [...dirty].sort((a, b) => a - b),
      warehouses,
      input.readBatchSize,
      (id) => kitMap?.isKit(id) ?? false,
      (id, wh) => state.published(id, wh),
    );
    odooCalls += read.calls;
    for (const observed of read.levels) {
      const { productId, warehouse, level } = observed;
      if (sameLevel(state.published(productId, warehouse), level)) continue;
      published.set(levelKey(productId, warehouse), level);
      events.push(levelEvent(observed, state.nextVersion(now()), correlationId));
    }
  }

  if (events.length > 0) {
    try {
      await input.sink.publish(events);
    } catch (err) {
      throw new PublishError(events.length, err);
    }
  }

  const update: StateUpdate = { cursors: new Map(), seen: new Map(), windowStart: new Map(), published };
  for (const feed of feeds) {
    const before = state.cursor(feed.model);
    if (!before || before.writeDate !== feed.cursor.writeDate || before.id !== feed.cursor.id) {
      update.cursors.set(feed.model, feed.cursor);
    }
    if (feed.seen.size > 0) update.seen.set(feed.model, feed.seen);
    update.windowStart.set(feed.model, feed.windowStart);
  }
  state.apply(update);
  await state.save();
  return {
    correlationId,
    initial,
    changedLevels: events.length,
    dirtyProducts: dirty.size,
    odooCalls,
    kits: reloaded,
  };
}

function addId(set: Set<number>, id: number | undefined): void {
  if (id !== undefined) set.add(id);
}

export function sameLevel(a: PublishedLevel | undefined, b: PublishedLevel): boolean {
  return (
    a !== undefined &&
    a.sku === b.sku &&
    a.barcode === b.barcode &&
    a.onHand === b.onHand &&
    a.free === b.free &&
    a.forecast === b.forecast &&
    a.active === b.active
  );
}
