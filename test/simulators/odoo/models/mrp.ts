import type { ModelDef } from '../types';
import { active, char, float, many2one, one2many, selection } from './field-helpers';

export const mrpBom: ModelDef = {
  name: 'mrp.bom',
  description: 'Bill of Material',
  module: 'mrp',
  group: 'mrp',
  order: 'sequence, product_id, id',
  fields: {
    code: char('Reference'),
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    active: active(),
    type: selection(
      'BoM Type',
      [
        ['normal', 'Manufacture this product'],
        ['phantom', 'Kit'],
      ],
      { required: true, default: 'normal' },
    ),
    product_tmpl_id: many2one('product.template', 'Product', { required: true }),
    product_id: many2one('product.product', 'Product Variant'),
    product_qty: float('Quantity', { required: true, default: 1 }),
    bom_line_ids: one2many('mrp.bom.line', 'bom_id', 'BoM Lines'),
    company_id: many2one('res.company', 'Company', { default: 1 }),
  },
  displayName: (env, row) => {
    const template = env.store.get('product.template', row['product_tmpl_id'] as number);
    const code = typeof row['code'] === 'string' ? `${row['code']}: ` : '';
    return `${code}${String(template?.['name'] ?? '')}`;
  },
};

export const mrpBomLine: ModelDef = {
  name: 'mrp.bom.line',
  description: 'Bill of Material Line',
  module: 'mrp',
  group: 'mrp',
  order: 'sequence, id',
  fields: {
    bom_id: many2one('mrp.bom', 'Parent BoM', { required: true }),
    sequence: { type: 'integer', string: 'Sequence', default: 1 },
    product_id: many2one('product.product', 'Component', { required: true }),
    product_qty: float('Quantity', { required: true, default: 1 }),
  },
  displayName: (env, row) => {
    const product = env.store.get('product.product', row['product_id'] as number);
    return String(product?.['default_code'] ?? row.id);
  },
};
