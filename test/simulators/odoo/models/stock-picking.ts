import type { Env } from '../env';
import { userError } from '../errors';
import { displayName } from '../fields';
import * as orm from '../orm';
import { cancelMove, doneMove, refreshPickings, reserveMove } from '../stock-ops';
import type { ModelDef, Row, Vals } from '../types';
import { bool, char, datetime, float, many2one, one2many, selection } from './field-helpers';

const MOVE_STATES = [
  ['draft', 'New'],
  ['waiting', 'Waiting Another Move'],
  ['confirmed', 'Waiting Availability'],
  ['partially_available', 'Partially Available'],
  ['assigned', 'Available'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
] as const;

const PICKING_STATES = [
  ['draft', 'Draft'],
  ['waiting', 'Waiting Another Operation'],
  ['confirmed', 'Waiting'],
  ['assigned', 'Ready'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
] as const;

const num = (value: unknown): number => Number(value ?? 0);

export const stockMove: ModelDef = {
  name: 'stock.move',
  description: 'Stock Move',
  module: 'stock',
  group: 'stock',
  order: 'sequence, id',
  fields: {
    name: char('Description', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    reference: char('Reference'),
    origin: char('Source Document'),
    product_id: many2one('product.product', 'Product', { required: true }),
    product_uom_qty: float('Demand', { required: true, default: 0 }),
    product_qty: float('Real Quantity', {
      readonly: true,
      compute: (_env, rows) => rows.map((r) => num(r['product_uom_qty'])),
    }),
    product_uom: many2one('uom.uom', 'UoM', { default: 1 }),
    // 17+: reserved quantity while undone, done quantity once done (stored, from move lines in Odoo)
    quantity: float('Quantity', { since: 17, default: 0 }),
    picked: bool('Picked', { since: 17 }),
    // 16: the same information under its old names
    quantity_done: float('Quantity Done', {
      until: 16,
      compute: (_env, rows) => rows.map((r) => (r['state'] === 'done' ? num(r['quantity']) : 0)),
    }),
    reserved_availability: float('Quantity Reserved', {
      until: 16,
      compute: (_env, rows) => rows.map((r) => (r['state'] === 'done' ? 0 : num(r['quantity']))),
    }),
    state: selection('Status', MOVE_STATES, { readonly: true, default: 'draft' }),
    location_id: many2one('stock.location', 'Source Location', { required: true }),
    location_dest_id: many2one('stock.location', 'Destination Location', { required: true }),
    picking_id: many2one('stock.picking', 'Transfer'),
    picking_type_id: many2one('stock.picking.type', 'Operation Type'),
    is_inventory: bool('Inventory'),
    date: datetime('Date Scheduled', { default: (env) => env.now }),
    company_id: many2one('res.company', 'Company', { default: 1 }),
    sale_line_id: many2one('sale.order.line', 'Sale Line', { module: 'sale_stock' }),
  },
  // Moves added to a transfer take its locations, type and reference, as stock.move.create does.
  create: (env, valsList, next) =>
    next(
      valsList.map((vals) => {
        const pickingId = vals['picking_id'];
        const picking = typeof pickingId === 'number' ? env.store.get('stock.picking', pickingId) : undefined;
        const productId = vals['product_id'];
        const product =
          typeof productId === 'number' ? env.store.get('product.product', productId) : undefined;
        const defaults: Vals = {};
        if (picking) {
          defaults['location_id'] = picking['location_id'];
          defaults['location_dest_id'] = picking['location_dest_id'];
          defaults['picking_type_id'] = picking['picking_type_id'];
          defaults['reference'] = picking['name'];
          defaults['origin'] = picking['origin'] ?? false;
          defaults['company_id'] = picking['company_id'];
        }
        if (product) defaults['name'] = displayName(env, env.model('product.product'), product);
        return { ...defaults, ...vals };
      }),
    ),
  unlink: (env, ids, next) => {
    for (const move of orm.browse(env, 'stock.move', ids))
      if (!['draft', 'cancel'].includes(String(move['state'])))
        throw userError('You can only delete draft or cancelled moves.');
    next(ids);
  },
};

function nextPickingName(env: Env, typeId: number): string {
  const type = env.store.get('stock.picking.type', typeId);
  const warehouse = env.store.get('stock.warehouse', type?.['warehouse_id'] as number);
  const count = env.store.referencing('stock.picking', 'picking_type_id', typeId).length;
  return `${String(warehouse?.['code'] ?? 'WH')}/${String(type?.['sequence_code'] ?? 'MOVE')}/${String(count + 1).padStart(5, '0')}`;
}

const openMoves = (env: Env, pickingId: number): Row[] =>
  env.store
    .referencing('stock.move', 'picking_id', pickingId)
    .filter((m) => !['done', 'cancel'].includes(String(m['state'])))
    .sort((a, b) => a.id - b.id);

const wizard = (name: string, resModel: string, env: Env, pickingIds: number[]): Vals => ({
  name,
  type: 'ir.actions.act_window',
  res_model: resModel,
  view_mode: 'form',
  views: [[false, 'form']],
  target: 'new',
  context: {
    ...env.context,
    button_validate_picking_ids: pickingIds,
    default_pick_ids: [[4, pickingIds[0]]],
  },
});

/** stock.picking.button_validate: wizards first (SMS, backorder), then moves done and quants updated. */
function buttonValidate(env: Env, ids: number[]): unknown {
  const pickings = orm.browse(env, 'stock.picking', ids);
  for (const picking of pickings) {
    if (picking['state'] === 'cancel') throw userError('You cannot validate a cancelled transfer.');
    if (picking['state'] === 'done') throw userError('You cannot validate a transfer that is already done.');
    if (picking['state'] === 'draft') throw userError('Please confirm the transfer before validating it.');
  }
  const outgoing = pickings.some(
    (p) => env.store.get('stock.picking.type', p['picking_type_id'] as number)?.['code'] === 'outgoing',
  );
  // stock_sms asks to confirm the SMS to the customer unless the caller says skip_sms
  if (outgoing && env.context['skip_sms'] !== true) return wizard('SMS', 'confirm.stock.sms', env, ids);
  const moves = pickings.flatMap((p) => openMoves(env, p.id));
  if (moves.every((m) => num(m['quantity']) <= 0))
    throw userError(
      'You cannot validate a transfer if no quantities are reserved nor done. ' +
        'You can use the info button on the top right corner of your screen to know why the picking was not assigned.',
    );
  const short = moves.some((m) => num(m['quantity']) < num(m['product_uom_qty']));
  if (short && env.context['skip_backorder'] !== true)
    return wizard('Create Backorder?', 'stock.backorder.confirmation', env, ids);
  for (const move of moves) {
    if (num(move['quantity']) <= 0) cancelMove(env, move);
    else doneMove(env, move);
  }
  for (const picking of pickings) orm.update(env, 'stock.picking', picking.id, { date_done: env.now });
  refreshPickings(env, ids);
  return true;
}

export const stockPicking: ModelDef = {
  name: 'stock.picking',
  description: 'Transfer',
  module: 'stock',
  group: 'stock',
  order: 'priority desc, scheduled_date asc, id desc',
  fields: {
    name: char('Reference', { default: '/' }),
    origin: char('Source Document'),
    priority: selection(
      'Priority',
      [
        ['0', 'Normal'],
        ['1', 'Urgent'],
      ],
      { default: '0' },
    ),
    state: selection('Status', PICKING_STATES, { readonly: true, default: 'draft' }),
    move_type: selection(
      'Shipping Policy',
      [
        ['direct', 'As soon as possible'],
        ['one', 'When all products are ready'],
      ],
      {
        default: 'direct',
      },
    ),
    move_ids: one2many('stock.move', 'picking_id', 'Stock Moves'),
    picking_type_id: many2one('stock.picking.type', 'Operation Type', { required: true }),
    location_id: many2one('stock.location', 'Source Location', { required: true }),
    location_dest_id: many2one('stock.location', 'Destination Location', { required: true }),
    partner_id: many2one('res.partner', 'Contact'),
    scheduled_date: datetime('Scheduled Date', { default: (env) => env.now }),
    date_done: datetime('Date of Transfer', { readonly: true }),
    company_id: many2one('res.company', 'Company', { default: 1 }),
    sale_id: many2one('sale.order', 'Sales Order', { module: 'sale_stock' }),
  },
  // Locations default from the operation type; the name comes from its sequence (WH/OUT/00001).
  create: (env, valsList, next) =>
    valsList.map((vals) => {
      const typeId = vals['picking_type_id'];
      const type = typeof typeId === 'number' ? env.store.get('stock.picking.type', typeId) : undefined;
      const defaults: Vals = type
        ? {
            location_id: type['default_location_src_id'],
            location_dest_id: type['default_location_dest_id'],
            company_id: type['company_id'],
          }
        : {};
      const name =
        !vals['name'] || vals['name'] === '/' ? nextPickingName(env, typeId as number) : vals['name'];
      return next([{ ...defaults, ...vals, name }])[0] as number;
    }),
  methods: {
    action_confirm: {
      params: [],
      call: (env, ids) => {
        for (const picking of orm.browse(env, 'stock.picking', ids)) {
          const moves = openMoves(env, picking.id);
          for (const move of moves)
            if (move['state'] === 'draft') orm.update(env, 'stock.move', move.id, { state: 'confirmed' });
          for (const move of openMoves(env, picking.id)) reserveMove(env, move);
        }
        refreshPickings(env, ids);
        return true;
      },
    },
    action_assign: {
      params: [],
      call: (env, ids) => {
        for (const picking of orm.browse(env, 'stock.picking', ids))
          for (const move of openMoves(env, picking.id)) reserveMove(env, move);
        refreshPickings(env, ids);
        return true;
      },
    },
    action_cancel: {
      params: [],
      call: (env, ids) => {
        for (const picking of orm.browse(env, 'stock.picking', ids))
          for (const move of openMoves(env, picking.id)) cancelMove(env, move);
        refreshPickings(env, ids);
        return true;
      },
    },
    button_validate: { params: [], call: (env, ids) => buttonValidate(env, ids) },
  },
};
