import { userError } from '../errors';
import * as orm from '../orm';
import { applyInventory, quantFor, setInventory } from '../stock-ops';
import type { ModelDef } from '../types';
import { bool, date, datetime, float, many2one } from './field-helpers';

const INVENTORY_FIELDS = new Set([
  'product_id',
  'location_id',
  'inventory_quantity',
  'lot_id',
  'package_id',
  'owner_id',
]);
const COUNT_FIELDS = new Set(['inventory_quantity', 'inventory_date', 'inventory_quantity_set']);

export const stockQuant: ModelDef = {
  name: 'stock.quant',
  description: 'Quants',
  module: 'stock',
  group: 'stock',
  order: 'location_id, id',
  fields: {
    product_id: many2one('product.product', 'Product', { required: true }),
    location_id: many2one('stock.location', 'Location', { required: true }),
    company_id: many2one('res.company', 'Company', { readonly: true }),
    quantity: float('Quantity', { readonly: true }),
    reserved_quantity: float('Reserved Quantity', { readonly: true, default: 0 }),
    available_quantity: float('Available Quantity', {
      readonly: true,
      compute: (_env, rows) =>
        rows.map((r) => Number(r['quantity'] ?? 0) - Number(r['reserved_quantity'] ?? 0)),
    }),
    inventory_quantity: float('Counted Quantity'),
    inventory_diff_quantity: float('Difference', {
      readonly: true,
      compute: (_env, rows) =>
        rows.map((r) =>
          r['inventory_quantity_set'] === true
            ? Number(r['inventory_quantity'] ?? 0) - Number(r['quantity'] ?? 0)
            : 0,
        ),
    }),
    inventory_quantity_set: bool('Inventory Quantity Set'),
    inventory_date: date('Scheduled Date'),
    in_date: datetime('Incoming Date', { readonly: true }),
    product_uom_id: many2one('uom.uom', 'Unit of Measure', {
      readonly: true,
      compute: (env, rows) =>
        rows.map((r) => {
          const product = env.store.get('product.product', r['product_id'] as number);
          const template = env.store.get('product.template', product?.['product_tmpl_id'] as number);
          return (template?.['uom_id'] as number | undefined) ?? null;
        }),
    }),
  },
  // Outside inventory mode quants are read-only; in it, create() only records a count on the existing quant.
  create: (env, valsList) => {
    if (env.context['inventory_mode'] !== true)
      throw userError("Quant's creation is restricted, you can't do this operation.");
    return valsList.map((vals) => {
      for (const key of Object.keys(vals))
        if (!INVENTORY_FIELDS.has(key))
          throw userError("Quant's creation is restricted, you can't do this operation.");
      const productId = vals['product_id'];
      const locationId = vals['location_id'];
      if (typeof productId !== 'number' || !env.store.get('product.product', productId))
        throw userError('You must set a product on the quant.');
      if (typeof locationId !== 'number' || !env.store.get('stock.location', locationId))
        throw userError('You must set a location on the quant.');
      const quant = quantFor(env, productId, locationId);
      if ('inventory_quantity' in vals)
        orm.write(env, 'stock.quant', [quant.id], { inventory_quantity: vals['inventory_quantity'] });
      return quant.id;
    });
  },
  // Only the counted quantity may be written; quantity and reservation move through stock moves.
  write: (_env, ids, vals, next) => {
    if (Object.keys(vals).some((key) => !COUNT_FIELDS.has(key)))
      throw userError("Quant's editing is restricted, you can't do this operation.");
    next(ids, 'inventory_quantity' in vals ? { ...vals, inventory_quantity_set: true } : vals);
  },
  methods: {
    action_apply_inventory: {
      params: [],
      call: (env, ids) => {
        orm.browse(env, 'stock.quant', ids);
        applyInventory(env, ids);
        return undefined; // Python None: the JSON-RPC answer has no `result` key
      },
    },
  },
};

/** The "Update Quantity" wizard, the second adjustment route. */
export const stockChangeProductQty: ModelDef = {
  name: 'stock.change.product.qty',
  description: 'Change Product Quantity',
  module: 'stock',
  group: 'stock',
  order: 'id',
  transient: true,
  fields: {
    product_id: many2one('product.product', 'Product', { required: true }),
    product_tmpl_id: many2one('product.template', 'Template', { required: true }),
    new_quantity: float('New Quantity on Hand', { required: true, default: 1 }),
  },
  methods: {
    change_product_qty: {
      params: [],
      call: (env, ids) => {
        for (const wizard of orm.browse(env, 'stock.change.product.qty', ids)) {
          // Odoo: the first warehouse of the current company, its stock location
          const companyId = env.companyIds[0];
          const warehouseId = orm.search(env, 'stock.warehouse', [['company_id', '=', companyId ?? false]], {
            limit: 1,
          })[0];
          const warehouse =
            warehouseId === undefined ? undefined : env.store.get('stock.warehouse', warehouseId);
          if (!warehouse) throw userError('You must define a warehouse for the company.');
          setInventory(
            env,
            wizard['product_id'] as number,
            warehouse['lot_stock_id'] as number,
            Number(wizard['new_quantity']),
          );
        }
        return { type: 'ir.actions.act_window_close' };
      },
    },
  },
};
