import type { Env } from './env';
import { valueError, pyRepr } from './errors';
import { findKitBom } from './kits';
import { expandLocations } from './locations';
import type { Row } from './types';

/**
 * product.product quantity fields, computed on every read from quants and moves like Odoo's
 * _compute_quantities_dict: qty_available = sum(quant.quantity), free_qty = sum(quantity - reserved),
 * incoming/outgoing = pending moves crossing the scope boundary, virtual = on hand + in - out.
 */
export const QTY_FIELDS = [
  'qty_available',
  'free_qty',
  'virtual_available',
  'incoming_qty',
  'outgoing_qty',
] as const;
export type QtyField = (typeof QTY_FIELDS)[number];
export type Quantities = Record<QtyField, number>;

export const PENDING_MOVE_STATES = new Set(['waiting', 'confirmed', 'assigned', 'partially_available']);

const ZERO: Quantities = {
  qty_available: 0,
  free_qty: 0,
  virtual_available: 0,
  incoming_qty: 0,
  outgoing_qty: 0,
};
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function productQuantities(env: Env, productIds: number[]): Map<number, Quantities> {
  env.checkAccess('stock.quant'); // reading quantities reads quants: a user without stock rights gets AccessError
  const scope = locationScope(env);
  const result = new Map<number, Quantities>();
  const compute = (productId: number, seen: Set<number>): Quantities => {
    const cached = result.get(productId);
    if (cached) return cached;
    const kit = seen.has(productId) ? null : findKitBom(env, productId);
    const quantities = kit
      ? kitQuantities(env, kit.bom, kit.lines, (id) => compute(id, new Set([...seen, productId])))
      : own(env, productId, scope);
    result.set(productId, quantities);
    return quantities;
  };
  for (const id of productIds) compute(id, new Set());
  return result;
}

function own(env: Env, productId: number, scope: Set<number>): Quantities {
  let onHand = 0;
  let free = 0;
  for (const quant of env.store.referencing('stock.quant', 'product_id', productId)) {
    if (!scope.has(quant['location_id'] as number)) continue;
    const quantity = Number(quant['quantity'] ?? 0);
    onHand += quantity;
    free += quantity - Number(quant['reserved_quantity'] ?? 0);
  }
  let incoming = 0;
  let outgoing = 0;
  const companies = new Set(env.companyIds);
  for (const move of env.store.referencing('stock.move', 'product_id', productId)) {
    if (!PENDING_MOVE_STATES.has(String(move['state']))) continue;
    if (typeof move['company_id'] === 'number' && !companies.has(move['company_id'])) continue;
    const from = scope.has(move['location_id'] as number);
    const to = scope.has(move['location_dest_id'] as number);
    const qty = Number(move['product_uom_qty'] ?? 0); // product_qty: one UoM per product here
    if (to && !from) incoming += qty;
    if (from && !to) outgoing += qty;
  }
  return {
    qty_available: round(onHand),
    free_qty: round(free),
    incoming_qty: round(incoming),
    outgoing_qty: round(outgoing),
    virtual_available: round(onHand + incoming - outgoing),
  };
}

/** mrp's kit formula, per field: floor(min(component qty / qty per BoM) * bom.product_qty). */
function kitQuantities(env: Env, bom: Row, lines: Row[], component: (id: number) => Quantities): Quantities {
  const storableLines = lines.filter((line) => isStorable(env, line['product_id'] as number));
  if (storableLines.length === 0) return { ...ZERO };
  const result = { ...ZERO };
  for (const field of QTY_FIELDS) {
    const ratios = storableLines.map((line) => {
      const perBom = Number(line['product_qty'] ?? 0);
      return perBom > 0 ? component(line['product_id'] as number)[field] / perBom : Infinity;
    });
    result[field] = Math.floor(round(Math.min(...ratios) * Number(bom['product_qty'] ?? 1)));
  }
  return result;
}

export function isStorable(env: Env, productId: number): boolean {
  const tmplId = env.store.get('product.product', productId)?.['product_tmpl_id'];
  const template = typeof tmplId === 'number' ? env.store.get('product.template', tmplId) : undefined;
  return template?.['storable'] === true;
}

/**
 * The locations quantities are summed over (Odoo's _get_domain_locations). 16/17 read `warehouse`, 18/19 read
 * only `warehouse_id`; `location` is an id, a name or a list; children count unless compute_child=False
 * (<= 18) or strict (19). Without either: the view locations of the allowed companies' warehouses.
 */
export function locationScope(env: Env): Set<number> {
  const ctx = env.context;
  const warehouseKey = env.version <= 17 ? ctx['warehouse'] : ctx['warehouse_id'];
  const children = env.version <= 18 ? ctx['compute_child'] !== false : ctx['strict'] !== true;
  const warehouses = present(warehouseKey) ? resolve(env, 'stock.warehouse', warehouseKey, 'name') : null;
  const locations = present(ctx['location'])
    ? resolve(env, 'stock.location', ctx['location'], 'complete_name')
    : null;
  const companies = new Set(env.companyIds);
  const warehouseRoots = (warehouses ?? defaultWarehouses(env, companies)).map(
    (id) => env.store.get('stock.warehouse', id)?.['view_location_id'] as number,
  );
  if (!locations) return expandLocations(env, warehouseRoots, true);
  const scope = expandLocations(env, locations, children);
  if (!warehouses) return scope;
  // warehouse + location: the location within that warehouse
  const inWarehouse = expandLocations(env, warehouseRoots, true);
  return new Set([...scope].filter((id) => inWarehouse.has(id)));
}

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== false && value !== '';

function defaultWarehouses(env: Env, companies: Set<number>): number[] {
  return [...env.store.rows('stock.warehouse')]
    .filter((w) => w['active'] === true && companies.has(w['company_id'] as number))
    .map((w) => w.id);
}

/** An id, a name (ilike) or a list of them, as Odoo's _get_domain_locations accepts. */
function resolve(env: Env, model: string, value: unknown, nameField: string): number[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.flatMap((item) => {
    if (typeof item === 'number') return [item];
    if (typeof item === 'string') {
      const needle = item.toLowerCase();
      return [...env.store.rows(model)]
        .filter((row) =>
          String(row[nameField] ?? '')
            .toLowerCase()
            .includes(needle),
        )
        .map((row) => row.id);
    }
    throw valueError(`Invalid ${model} context value ${pyRepr(item)}`);
  });
}
