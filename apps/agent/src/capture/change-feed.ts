import { createHash } from 'node:crypto';
import { OdooError } from '../odoo/odoo-error';
import type { OdooClient, OdooDomain, OdooRecord } from '../odoo/odoo.client';
import type { Cursor } from './capture-state.store';
import { compareOdooDatetime, formatOdooDatetime, isOdooDatetime, parseOdooDatetime } from './odoo-time';

/** A model whose writes tell us that a product's stock, identity or kit composition may have changed. */
export interface SignalModel {
  model: string;
  /** Fields read besides id and write_date: enough to tell a real change within the same second apart. */
  fields: readonly string[];
  /** Only when MRP is installed. */
  mrp?: boolean;
}

/**
 * Stock quantities are computed, never stored: a stock change never touches product.product.write_date.
 * Moves (all states: a cancelled or unreserved move changes free_qty) and quants carry the signal.
 */
export const SIGNAL_MODELS: readonly SignalModel[] = [
  {
    model: 'stock.move',
    fields: ['product_id', 'state', 'product_uom_qty', 'location_id', 'location_dest_id'],
  },
  { model: 'stock.quant', fields: ['product_id', 'location_id', 'quantity', 'reserved_quantity'] },
  { model: 'product.product', fields: ['product_tmpl_id', 'active', 'default_code', 'barcode'] },
  { model: 'product.template', fields: ['active'] }, // archive, type / is_storable: variants do not get written
  { model: 'mrp.bom', fields: ['product_tmpl_id', 'product_id', 'type', 'active', 'product_qty'], mrp: true },
  { model: 'mrp.bom.line', fields: ['bom_id', 'product_id', 'product_qty'], mrp: true },
];

/**
 * Pages are ordered and keyed by id inside the write_date window, not by (write_date, id): RPC truncates
 * write_date to whole seconds while PostgreSQL sorts by microseconds, so a (write_date, id) key taken from a
 * page either repeats the same page forever (more than a page of rows in one second) or skips rows of that
 * second with smaller ids. Ids are exact, and the cursor is still Odoo's own newest write_date.
 */
export const FEED_ORDER = 'id asc';
/** Archived records are changes too (archive → push 0). */
export const FEED_CONTEXT = { active_test: false } as const;

/** Start of the overlap window: write_date is the *transaction start*, so late commits carry older dates. */
export function windowStart(cursor: Cursor, overlapMs: number): string {
  return formatOdooDatetime(parseOdooDatetime(cursor.writeDate) - overlapMs);
}

/** The domain of one page: the whole window, continuing strictly after the last id already read. */
export function pageDomain(from: string, afterId?: number): OdooDomain {
  const window: OdooDomain = [['write_date', '>=', from]];
  return afterId === undefined ? window : ['&', ...window, ['id', '>', afterId]];
}

export function fingerprint(row: OdooRecord, fields: readonly string[]): string {
  const hash = createHash('sha1')
    .update(JSON.stringify(fields.map((f) => row[f] ?? null)))
    .digest('base64url')
    .slice(0, 12);
  return `${String(row['write_date'])}|${hash}`;
}

export interface FeedState {
  cursor(model: string): Cursor | undefined;
  seenFingerprint(model: string, id: number): string | undefined;
}

export interface FeedResult {
  model: string;
  /** Rows not handled before (de-duplicated by model, id, write_date and content). */
  fresh: OdooRecord[];
  cursor: Cursor;
  windowStart: string;
  seen: Map<number, string>;
  calls: number;
}

const compareCursor = (a: Cursor, b: Cursor): number =>
  compareOdooDatetime(a.writeDate, b.writeDate) || a.id - b.id;

/**
 * Reads one model's changes since its cursor minus the overlap, page by page, and drops rows already handled.
 * Without a cursor (first run, lost state) the feed starts at Odoo's newest write minus the overlap.
 */
export async function readChanges(
  odoo: OdooClient,
  signal: SignalModel,
  state: FeedState,
  overlapMs: number,
  pageSize: number,
): Promise<FeedResult> {
  const { model } = signal;
  let calls = 0;
  let cursor = state.cursor(model);
  if (!cursor) {
    const [newest] = await odoo.searchRead(model, [], {
      fields: ['write_date'],
      order: 'write_date desc, id desc',
      limit: 1,
      context: FEED_CONTEXT,
    });
    calls++;
    cursor = newest ? toCursor(model, newest) : { writeDate: '1970-01-01 00:00:00', id: 0 };
  }
  const from = windowStart(cursor, overlapMs);
  const fields = ['write_date', ...signal.fields];
  const fresh: OdooRecord[] = [];
  const seen = new Map<number, string>();
  let newest = cursor;
  let lastId: number | undefined;
  for (;;) {
    const rows = await odoo.searchRead(model, pageDomain(from, lastId), {
      fields,
      order: FEED_ORDER,
      limit: pageSize,
      context: FEED_CONTEXT,
    });
    calls++;
    for (const row of rows) {
      if (lastId !== undefined && row.id <= lastId) {
        throw new OdooError('protocol', `Odoo returned ${model} rows out of id order (paging would loop)`);
      }
      lastId = row.id;
      const rowCursor = toCursor(model, row);
      if (compareCursor(rowCursor, newest) > 0) newest = rowCursor; // never back: the newest row may be gone
      const print = fingerprint(row, fields);
      if (state.seenFingerprint(model, row.id) === print) continue;
      seen.set(row.id, print);
      fresh.push(row);
    }
    if (rows.length < pageSize) break;
  }
  return { model, fresh, cursor: newest, windowStart: from, seen, calls };
}

function toCursor(model: string, row: OdooRecord): Cursor {
  const writeDate = row['write_date'];
  if (!isOdooDatetime(writeDate)) {
    throw new OdooError(
      'protocol',
      `Odoo returned ${model} ${row.id} with write_date ${JSON.stringify(writeDate)}, not a UTC datetime`,
    );
  }
  return { writeDate, id: row.id };
}

/** A many2one as search_read returns it (`[id, "name"]`), or as a bare id (JSON-2 with load=None, webhooks). */
export function many2oneId(value: unknown): number | undefined {
  const id = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
