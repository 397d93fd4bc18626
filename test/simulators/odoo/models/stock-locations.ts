import type { Env } from '../env';
import { locationPath } from '../locations';
import * as orm from '../orm';
import type { ModelDef, Row } from '../types';
import { active, char, date, many2one, selection } from './field-helpers';

const LOCATION_USAGES = [
  ['supplier', 'Vendor Location'],
  ['view', 'View'],
  ['internal', 'Internal Location'],
  ['customer', 'Customer Location'],
  ['inventory', 'Inventory Loss'],
  ['production', 'Production'],
  ['transit', 'Transit Location'],
] as const;

function warehouseOf(env: Env, location: Row): number | null {
  const path = String(location['parent_path'] ?? '');
  for (const warehouse of env.store.rows('stock.warehouse')) {
    const view = warehouse['view_location_id'];
    if (typeof view === 'number' && path.startsWith(locationPath(env, view))) return warehouse.id;
  }
  return null;
}

export const stockLocation: ModelDef = {
  name: 'stock.location',
  description: 'Inventory Locations',
  module: 'stock',
  group: 'stock',
  order: 'complete_name, id',
  recName: 'complete_name',
  parentName: 'location_id',
  fields: {
    name: char('Location Name', { required: true }),
    complete_name: char('Full Location Name', { readonly: true }),
    active: active(),
    usage: selection('Location Type', LOCATION_USAGES, { required: true, default: 'internal' }),
    location_id: many2one('stock.location', 'Parent Location'),
    parent_path: char('Parent Path', { readonly: true }),
    company_id: many2one('res.company', 'Company'),
    warehouse_id: many2one('stock.warehouse', 'Warehouse', {
      readonly: true,
      compute: (env, rows) => rows.map((row) => warehouseOf(env, row)),
    }),
    last_inventory_date: date('Last Effective Inventory', { readonly: true }),
  },
  // parent_path and complete_name are stored like Odoo's (_parent_store, stored compute)
  create: (env, valsList, next) =>
    next(valsList).map((id) => {
      const row = env.store.get('stock.location', id) as Row;
      const parentId = row['location_id'];
      const parent = typeof parentId === 'number' ? env.store.get('stock.location', parentId) : undefined;
      const name = String(row['name']);
      orm.update(env, 'stock.location', id, {
        parent_path: `${parent ? String(parent['parent_path']) : ''}${id}/`,
        complete_name:
          parent && row['usage'] !== 'view' ? `${String(parent['complete_name'])}/${name}` : name,
      });
      return id;
    }),
};

export const stockPickingType: ModelDef = {
  name: 'stock.picking.type',
  description: 'Picking Type',
  module: 'stock',
  group: 'stock',
  order: 'sequence, id',
  fields: {
    name: char('Operation Type', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    code: selection(
      'Type of Operation',
      [
        ['incoming', 'Receipt'],
        ['outgoing', 'Delivery'],
        ['internal', 'Internal Transfer'],
      ],
      { required: true },
    ),
    sequence_code: char('Sequence Prefix', { required: true }),
    warehouse_id: many2one('stock.warehouse', 'Warehouse'),
    default_location_src_id: many2one('stock.location', 'Default Source Location'),
    default_location_dest_id: many2one('stock.location', 'Default Destination Location'),
    reservation_method: selection(
      'Reservation Method',
      [
        ['at_confirm', 'At Confirmation'],
        ['manual', 'Manually'],
        ['by_date', 'Before scheduled date'],
      ],
      { default: 'at_confirm' },
    ),
    company_id: many2one('res.company', 'Company'),
    active: active(),
  },
  displayName: (env, row) => {
    const warehouseId = row['warehouse_id'];
    const warehouse =
      typeof warehouseId === 'number' ? env.store.get('stock.warehouse', warehouseId) : undefined;
    return warehouse ? `${String(warehouse['name'])}: ${String(row['name'])}` : String(row['name']);
  },
};

export const stockWarehouse: ModelDef = {
  name: 'stock.warehouse',
  description: 'Warehouse',
  module: 'stock',
  group: 'stock',
  order: 'sequence, id',
  fields: {
    name: char('Warehouse', { required: true }),
    code: char('Short Name', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    active: active(),
    company_id: many2one('res.company', 'Company', { required: true, default: 1 }),
    view_location_id: many2one('stock.location', 'View Location', { readonly: true }),
    lot_stock_id: many2one('stock.location', 'Location Stock', { readonly: true }),
    in_type_id: many2one('stock.picking.type', 'In Type', { readonly: true }),
    out_type_id: many2one('stock.picking.type', 'Out Type', { readonly: true }),
    reception_steps: selection('Incoming Shipments', [['one_step', 'Receive goods directly (1 step)']], {
      default: 'one_step',
    }),
    delivery_steps: selection('Outgoing Shipments', [['ship_only', 'Deliver goods directly (1 step)']], {
      default: 'ship_only',
    }),
  },
  // A new warehouse gets its locations and operation types, as stock.warehouse.create does.
  create: (env, valsList, next) =>
    next(valsList).map((id) => {
      const warehouse = env.store.get('stock.warehouse', id) as Row;
      const company = warehouse['company_id'] as number;
      const physical = [...env.store.rows('stock.location')].find(
        (l) => l['usage'] === 'view' && l['location_id'] === null && l['name'] === 'Physical Locations',
      );
      const [view] = orm.create(env, 'stock.location', [
        { name: warehouse['code'], usage: 'view', location_id: physical?.id ?? false, company_id: company },
      ]) as [number];
      const [stock] = orm.create(env, 'stock.location', [
        { name: 'Stock', usage: 'internal', location_id: view, company_id: company },
      ]) as [number];
      const supplier =
        [...env.store.rows('stock.location')].find((l) => l['usage'] === 'supplier')?.id ?? false;
      const customer =
        [...env.store.rows('stock.location')].find((l) => l['usage'] === 'customer')?.id ?? false;
      const [inType, outType] = orm.create(env, 'stock.picking.type', [
        {
          name: 'Receipts',
          code: 'incoming',
          sequence_code: 'IN',
          warehouse_id: id,
          company_id: company,
          default_location_src_id: supplier,
          default_location_dest_id: stock,
        },
        {
          name: 'Delivery Orders',
          code: 'outgoing',
          sequence_code: 'OUT',
          warehouse_id: id,
          company_id: company,
          default_location_src_id: stock,
          default_location_dest_id: customer,
        },
      ]) as [number, number];
      orm.update(env, 'stock.warehouse', id, {
        view_location_id: view,
        lot_stock_id: stock,
        in_type_id: inType,
        out_type_id: outType,
      });
      return id;
    }),
};
