import type { Env } from '../env';
import { userError } from '../errors';
import { displayName } from '../fields';
import { explodeKit, findKitBom } from '../kits';
import { customerLocation } from '../locations';
import * as orm from '../orm';
import { cancelMove, refreshPickings, reserveMove } from '../stock-ops';
import type { ModelDef, Row } from '../types';
import { char, datetime, float, many2one, one2many, selection } from './field-helpers';

const num = (value: unknown): number => Number(value ?? 0);

function orderWarehouse(env: Env, order: Row): Row {
  const id = order['warehouse_id'];
  const warehouse =
    typeof id === 'number'
      ? env.store.get('stock.warehouse', id)
      : [...env.store.rows('stock.warehouse')].find((w) => w['company_id'] === order['company_id']);
  if (!warehouse) throw userError('You must define a warehouse for the company.');
  return warehouse;
}

/** sale_stock: confirming creates one delivery with a move per goods line (kits explode into components). */
function createDelivery(env: Env, order: Row): void {
  const warehouse = orderWarehouse(env, order);
  const lines = env.store.referencing('sale.order.line', 'order_id', order.id).sort((a, b) => a.id - b.id);
  const demands = lines.flatMap((line) => {
    const productId = line['product_id'] as number;
    const quantity = num(line['product_uom_qty']);
    const template = env.store.get(
      'product.template',
      env.store.get('product.product', productId)?.['product_tmpl_id'] as number,
    );
    if (template?.['goods_type'] !== 'consu') return [];
    const kit = findKitBom(env, productId);
    const parts = kit ? explodeKit(kit, quantity) : [{ productId, quantity }];
    return parts.map((part) => ({ ...part, lineId: line.id }));
  });
  if (demands.length === 0) return;
  const [pickingId] = orm.create(env, 'stock.picking', [
    {
      picking_type_id: warehouse['out_type_id'],
      location_id: warehouse['lot_stock_id'],
      location_dest_id: customerLocation(env),
      partner_id: order['partner_id'] ?? false,
      origin: order['name'],
      sale_id: order.id,
      company_id: order['company_id'],
    },
  ]) as [number];
  const moveIds = orm.create(
    env,
    'stock.move',
    demands.map((demand) => ({
      picking_id: pickingId,
      product_id: demand.productId,
      product_uom_qty: demand.quantity,
      sale_line_id: demand.lineId,
      state: 'confirmed',
    })),
  );
  for (const id of moveIds) reserveMove(env, env.store.get('stock.move', id) as Row);
  refreshPickings(env, [pickingId]);
}

export const saleOrder: ModelDef = {
  name: 'sale.order',
  description: 'Sales Order',
  module: 'sale_stock',
  group: 'sale',
  order: 'date_order desc, id desc',
  fields: {
    name: char('Order Reference', { readonly: true }),
    state: selection(
      'Status',
      [
        ['draft', 'Quotation'],
        ['sent', 'Quotation Sent'],
        ['sale', 'Sales Order'],
        ['cancel', 'Cancelled'],
      ],
      { readonly: true, default: 'draft' },
    ),
    partner_id: many2one('res.partner', 'Customer', { required: true }),
    date_order: datetime('Order Date', { default: (env) => env.now }),
    company_id: many2one('res.company', 'Company', { default: 1 }),
    warehouse_id: many2one('stock.warehouse', 'Warehouse'),
    order_line: one2many('sale.order.line', 'order_id', 'Order Lines'),
    picking_ids: one2many('stock.picking', 'sale_id', 'Transfers'),
  },
  create: (env, valsList, next) =>
    valsList.map((vals) => {
      const count = [...env.store.rows('sale.order')].length;
      return next([{ name: `S${String(count + 1).padStart(5, '0')}`, ...vals }])[0] as number;
    }),
  methods: {
    action_confirm: {
      params: [],
      call: (env, ids) => {
        for (const order of orm.browse(env, 'sale.order', ids)) {
          if (!['draft', 'sent'].includes(String(order['state'])))
            throw userError('Some orders are not in a state requiring confirmation.');
          orm.update(env, 'sale.order', order.id, { state: 'sale', date_order: env.now });
          createDelivery(env, order);
        }
        return true;
      },
    },
    action_cancel: {
      params: [],
      call: (env, ids) => {
        for (const order of orm.browse(env, 'sale.order', ids)) {
          const pickings = env.store.referencing('stock.picking', 'sale_id', order.id);
          for (const picking of pickings)
            for (const move of env.store.referencing('stock.move', 'picking_id', picking.id))
              if (!['done', 'cancel'].includes(String(move['state']))) cancelMove(env, move);
          refreshPickings(
            env,
            pickings.map((p) => p.id),
          );
          orm.update(env, 'sale.order', order.id, { state: 'cancel' });
        }
        return true;
      },
    },
  },
};

export const saleOrderLine: ModelDef = {
  name: 'sale.order.line',
  description: 'Sales Order Line',
  module: 'sale_stock',
  group: 'sale',
  order: 'order_id, sequence, id',
  fields: {
    order_id: many2one('sale.order', 'Order Reference', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    name: char('Description'),
    product_id: many2one('product.product', 'Product', { required: true }),
    product_uom_qty: float('Quantity', { default: 1 }),
    move_ids: one2many('stock.move', 'sale_line_id', 'Stock Moves'),
    qty_delivered: float('Delivery Quantity', {
      readonly: true,
      compute: (env, rows) =>
        rows.map((line) =>
          env.store
            .referencing('stock.move', 'sale_line_id', line.id)
            .filter((m) => m['state'] === 'done' && m['product_id'] === line['product_id'])
            .reduce((sum, m) => sum + num(m['quantity']), 0),
        ),
    }),
  },
  create: (env, valsList, next) =>
    next(
      valsList.map((vals) => {
        const productId = vals['product_id'];
        const product =
          typeof productId === 'number' ? env.store.get('product.product', productId) : undefined;
        return product && !vals['name']
          ? { ...vals, name: displayName(env, env.model('product.product'), product) }
          : vals;
      }),
    ),
};
