import type { Env } from '../env';
import { fieldValues } from '../fields';
import { findKitBom } from '../kits';
import * as orm from '../orm';
import { productQuantities, QTY_FIELDS, type QtyField } from '../stock-quantities';
import type { FieldDef, ModelDef, OdooVersion, Row, Value, Vals } from '../types';
import { active, bool, char, float, many2one, one2many, selection } from './field-helpers';

/**
 * Product types per version. 16/17: type/detailed_type 'product' = storable. 18/19: type 'consu' ("Goods")
 * plus is_storable. Both map onto two internal columns, goods_type and storable.
 */
const LEGACY_TYPES = [
  ['consu', 'Consumable'],
  ['service', 'Service'],
  ['product', 'Storable Product'],
] as const;
const GOODS_TYPES = [
  ['consu', 'Goods'],
  ['service', 'Service'],
  ['combo', 'Combo'],
] as const;

const legacyType = (row: Row): string =>
  row['storable'] === true ? 'product' : String(row['goods_type'] ?? 'consu');
const fromLegacyType = (value: Value): Record<string, Value> =>
  value === 'product' ? { goods_type: 'consu', storable: true } : { goods_type: value, storable: false };

function typeFields(version: OdooVersion): Record<string, FieldDef> {
  if (version <= 17) {
    const legacy = (string: string): FieldDef =>
      selection(string, LEGACY_TYPES, {
        compute: (_env, rows) => rows.map(legacyType),
        inverse: (_env, _row, value) => fromLegacyType(value),
      });
    return { type: legacy('Type'), detailed_type: legacy('Product Type') };
  }
  return {
    type: selection('Product Type', GOODS_TYPES, {
      compute: (_env, rows) => rows.map((row) => String(row['goods_type'] ?? 'consu')),
      inverse: (_env, row, value) => ({
        goods_type: value,
        storable: value === 'consu' && row['storable'] === true,
      }),
    }),
    is_storable: bool('Track Inventory', {
      module: 'stock',
      compute: (_env, rows) => rows.map((row) => row['storable'] === true && row['goods_type'] === 'consu'),
      inverse: (_env, row, value) => ({ storable: value === true && row['goods_type'] === 'consu' }),
    }),
  };
}

function qtyField(string: string, compute: FieldDef['compute']): FieldDef {
  return float(string, { module: 'stock', readonly: true, compute });
}

const QTY_LABELS: Record<QtyField, string> = {
  qty_available: 'Quantity On Hand',
  free_qty: 'Free To Use Quantity',
  virtual_available: 'Forecasted Quantity',
  incoming_qty: 'Incoming',
  outgoing_qty: 'Outgoing',
};

function variantQtyFields(): Record<string, FieldDef> {
  const field = (name: QtyField): FieldDef =>
    qtyField(QTY_LABELS[name], (env, rows) => {
      const quantities = productQuantities(
        env,
        rows.map((r) => r.id),
      );
      return rows.map((row) => quantities.get(row.id)?.[name] ?? 0);
    });
  return Object.fromEntries(QTY_FIELDS.map((name) => [name, field(name)]));
}

/** Template quantities sum its active variants (Odoo's product.template._compute_quantities). */
function templateQtyFields(): Record<string, FieldDef> {
  const field = (name: QtyField): FieldDef =>
    qtyField(QTY_LABELS[name], (env, rows) => {
      const variants = new Map(rows.map((row) => [row.id, activeVariants(env, row.id)]));
      const quantities = productQuantities(env, [...variants.values()].flat());
      return rows.map((row) =>
        (variants.get(row.id) ?? []).reduce((sum, id) => sum + (quantities.get(id)?.[name] ?? 0), 0),
      );
    });
  return Object.fromEntries(
    QTY_FIELDS.filter((name) => name !== 'free_qty').map((name) => [name, field(name)]),
  );
}

const activeVariants = (env: Env, tmplId: number): number[] =>
  env.store
    .referencing('product.product', 'product_tmpl_id', tmplId)
    .filter((p) => p['active'] === true)
    .map((p) => p.id);

const isKitsField = (forTemplate: boolean): FieldDef =>
  bool('Is a Kit', {
    module: 'mrp',
    readonly: true,
    compute: (env, rows) =>
      rows.map((row) =>
        (forTemplate ? activeVariants(env, row.id) : [row.id]).some((id) => !!findKitBom(env, id)),
      ),
  });

/** Template fields shown on the variant (Odoo's _inherits delegation): read through, write back. */
const TEMPLATE_FIELDS = [
  'name',
  'type',
  'detailed_type',
  'is_storable',
  'uom_id',
  'list_price',
  'company_id',
];

function delegated(name: string, field: FieldDef): FieldDef {
  const { default: _default, required: _required, ...rest } = field;
  return {
    ...rest,
    compute: (env, rows) => {
      const template = env.model('product.template');
      const templates = rows.map(
        (row) => env.store.get('product.template', row['product_tmpl_id'] as number) as Row,
      );
      return fieldValues(env, template, templates, name);
    },
    inverse: (env, row, value) => {
      orm.write(env, 'product.template', [row['product_tmpl_id'] as number], { [name]: value });
      return {};
    },
  };
}

/** default_code/barcode on the template mirror its only variant (Odoo computes them the same way). */
function mirroredCode(name: 'default_code' | 'barcode', string: string): FieldDef {
  const only = (env: Env, tmplId: number): number | undefined => {
    const variants = activeVariants(env, tmplId);
    return variants.length === 1 ? variants[0] : undefined;
  };
  return char(string, {
    compute: (env, rows) =>
      rows.map((row) => {
        const id = only(env, row.id);
        return id === undefined ? null : (env.store.get('product.product', id)?.[name] ?? null);
      }),
    inverse: (env, row, value) => {
      const id = only(env, row.id);
      if (id !== undefined) orm.write(env, 'product.product', [id], { [name]: value });
      return {};
    },
  });
}

export function productTemplate(version: OdooVersion): ModelDef {
  return {
    name: 'product.template',
    description: 'Product',
    module: 'product',
    group: 'base',
    order: 'priority desc, name',
    fields: {
      name: char('Name', { required: true }),
      default_code: mirroredCode('default_code', 'Internal Reference'),
      barcode: mirroredCode('barcode', 'Barcode'),
      active: active(),
      priority: selection(
        'Favorite',
        [
          ['0', 'Normal'],
          ['1', 'Favorite'],
        ],
        { default: '0' },
      ),
      list_price: float('Sales Price', { default: 1 }),
      uom_id: many2one('uom.uom', 'Unit of Measure', { required: true, default: 1 }),
      company_id: many2one('res.company', 'Company'),
      goods_type: selection('Goods type', GOODS_TYPES, { internal: true, default: 'consu' }),
      storable: bool('Storable', { internal: true, default: false }),
      ...typeFields(version),
      product_variant_ids: one2many('product.product', 'product_tmpl_id', 'Products'),
      ...templateQtyFields(),
      is_kits: isKitsField(true),
    },
    // Creating a template creates its variant, unless create_product_product=False (as in Odoo).
    create: (env, valsList, next) =>
      valsList.map((vals) => {
        const { default_code, barcode, ...templateVals } = vals;
        const [tmplId] = next([templateVals]) as [number];
        if (env.context['create_product_product'] !== false)
          orm.create(env, 'product.product', [
            { product_tmpl_id: tmplId, default_code, barcode, active: templateVals['active'] ?? true },
          ]);
        return tmplId;
      }),
    write: (env, ids, vals, next) => {
      next(ids, vals);
      if (!('active' in vals)) return;
      for (const id of ids) {
        const variants = env.store.referencing('product.product', 'product_tmpl_id', id).map((p) => p.id);
        if (variants.length > 0) orm.write(env, 'product.product', variants, { active: vals['active'] });
      }
    },
  };
}

export function productProduct(version: OdooVersion): ModelDef {
  const template = productTemplate(version);
  const delegatedFields = Object.fromEntries(
    TEMPLATE_FIELDS.flatMap((name) => {
      const field = template.fields[name];
      return field ? [[name, delegated(name, field)]] : [];
    }),
  );
  return {
    name: 'product.product',
    description: 'Product Variant',
    module: 'product',
    group: 'base',
    order: 'priority desc, default_code, name, id',
    fields: {
      product_tmpl_id: many2one('product.template', 'Product Template', { required: true }),
      default_code: char('Internal Reference'),
      barcode: char('Barcode'),
      active: active(),
      priority: selection(
        'Favorite',
        [
          ['0', 'Normal'],
          ['1', 'Favorite'],
        ],
        { default: '0' },
      ),
      variant_label: char('Variant values', { internal: true }),
      ...delegatedFields,
      ...variantQtyFields(),
      is_kits: isKitsField(false),
    },
    displayName: (env, row) => {
      const name = String(
        env.store.get('product.template', row['product_tmpl_id'] as number)?.['name'] ?? '',
      );
      const code = typeof row['default_code'] === 'string' ? `[${row['default_code']}] ` : '';
      const label = typeof row['variant_label'] === 'string' ? ` (${row['variant_label']})` : '';
      return `${code}${name}${label}`;
    },
    // A variant created without a template gets one, built from the template fields in its values.
    create: (env, valsList, next) =>
      valsList.map((vals) => {
        if (vals['product_tmpl_id']) return next([vals])[0] as number;
        const templateVals: Vals = {};
        const own: Vals = {};
        for (const [key, value] of Object.entries(vals))
          (TEMPLATE_FIELDS.includes(key) ? templateVals : own)[key] = value;
        const [tmplId] = orm.create(env.withContext({ create_product_product: false }), 'product.template', [
          templateVals,
        ]);
        return next([{ ...own, product_tmpl_id: tmplId }])[0] as number;
      }),
    // Archiving the last active variant archives its template; unarchiving one brings the template back.
    write: (env, ids, vals, next) => {
      next(ids, vals);
      if (!('active' in vals)) return;
      const templates = new Set(
        ids.map((id) => env.store.get('product.product', id)?.['product_tmpl_id'] as number),
      );
      for (const tmplId of templates) {
        const anyActive = activeVariants(env, tmplId).length > 0;
        if (env.store.get('product.template', tmplId)?.['active'] !== anyActive)
          orm.update(env, 'product.template', tmplId, { active: anyActive });
      }
    },
  };
}
