import { randomUUID } from 'node:crypto';
import type { LevelEventV1 } from '@stockbridge/shared';
import { OdooError } from '../odoo/odoo-error';
import type { OdooClient, OdooRecord } from '../odoo/odoo.client';
import type { PublishedLevel } from './capture-state.store';
import { many2oneId } from './change-feed';
import { chunks } from './kit-map';

export interface Warehouse {
  id: number;
  code: string;
  companyId: number | undefined;
}

/** Active warehouses of the companies the Odoo user may read. */
export async function listWarehouses(odoo: OdooClient): Promise<Warehouse[]> {
  const rows = await odoo.searchRead('stock.warehouse', [], {
    fields: ['code', 'company_id'],
    order: 'id asc',
  });
  return rows.map((row) => {
    const code = row['code'];
    if (typeof code !== 'string' || code.trim() === '') {
      throw new OdooError(
        'protocol',
        `Odoo warehouse ${row.id} has no short name (code): give it one in Inventory > Configuration > Warehouses`,
      );
    }
    return { id: row.id, code, companyId: many2oneId(row['company_id']) };
  });
}

export const LEVEL_FIELDS = [
  'default_code',
  'barcode',
  'active',
  'qty_available',
  'free_qty',
  'virtual_available',
];

export interface ObservedLevel {
  productId: number;
  warehouse: string;
  level: PublishedLevel;
  /** When the read that produced it was sent (ISO). */
  observedAt: string;
}

/** The event that tells the relay about a level read from Odoo (a poll's change or a snapshot's line). */
export function levelEvent(observed: ObservedLevel, version: number, correlationId: string): LevelEventV1 {
  const { productId, warehouse, level, observedAt } = observed;
  return {
    eventId: randomUUID(),
    productId,
    sku: level.sku,
    barcode: level.barcode,
    warehouse,
    onHand: level.onHand,
    free: level.free,
    forecast: level.forecast,
    active: level.active,
    version,
    observedAt,
    correlationId,
  };
}

const ZERO = { onHand: 0, free: 0, forecast: 0 } as const;

/**
 * Reads the quantities of `productIds` in every warehouse: one `read` per (warehouse, batch), because Odoo
 * applies one context per call. The context carries both warehouse keys (16/17 read `warehouse`, 18/19
 * `warehouse_id`) and pins the warehouse's company so quantities never add up across companies.
 * Archived, deleted and non-storable products come back inactive with zeros, so channels go to 0.
 */
export async function readLevels(
  odoo: OdooClient,
  productIds: readonly number[],
  warehouses: readonly Warehouse[],
  batchSize: number,
  isKit: (productId: number) => boolean,
  previous: (productId: number, warehouse: string) => PublishedLevel | undefined,
): Promise<{ levels: ObservedLevel[]; calls: number }> {
  const fields = [...LEVEL_FIELDS, ...odoo.storableFields];
  const levels: ObservedLevel[] = [];
  let calls = 0;
  for (const wh of warehouses) {
    const context: Record<string, unknown> = { warehouse: wh.id, warehouse_id: wh.id, active_test: false };
    if (wh.companyId !== undefined) context['allowed_company_ids'] = [wh.companyId];
    for (const batch of chunks(productIds, batchSize)) {
      const observedAt = new Date().toISOString();
      const rows = await odoo.read('product.product', batch, fields, context);
      calls++;
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const productId of batch) {
        const row = byId.get(productId);
        const level = row
          ? toLevel(row, odoo.isStorable(row) || isKit(productId))
          : { ...deletedIdentity(previous(productId, wh.code)), ...ZERO, active: false };
        levels.push({ productId, warehouse: wh.code, level, observedAt });
      }
    }
  }
  return { levels, calls };
}

function deletedIdentity(prev: PublishedLevel | undefined): Pick<PublishedLevel, 'sku' | 'barcode'> {
  return { sku: prev?.sku ?? null, barcode: prev?.barcode ?? null };
}

function toLevel(row: OdooRecord, tracked: boolean): PublishedLevel {
  const identity = { sku: text(row['default_code']), barcode: text(row['barcode']) };
  if (row['active'] !== true || !tracked) return { ...identity, ...ZERO, active: false };
  return {
    ...identity,
    onHand: quantity(row, 'qty_available'),
    free: quantity(row, 'free_qty'),
    forecast: quantity(row, 'virtual_available'),
    active: true,
  };
}

/** Odoo sends `false` for an empty char field. */
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function quantity(row: OdooRecord, field: string): number {
  const v = row[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new OdooError(
      'protocol',
      `Odoo returned ${field} = ${JSON.stringify(v)} for product ${row.id}, not a number: is Stock installed?`,
    );
  }
  return v;
}
