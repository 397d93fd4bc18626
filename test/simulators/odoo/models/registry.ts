import { displayName, MAGIC_FIELDS } from '../fields';
import type { FieldDef, ModelDef, OdooVersion } from '../types';
import { resCompany, resPartner, resUsers, uomUom } from './base';
import { mrpBom, mrpBomLine } from './mrp';
import { productProduct, productTemplate } from './product';
import { saleOrder, saleOrderLine } from './sale';
import { stockLocation, stockPickingType, stockWarehouse } from './stock-locations';
import { stockMove, stockPicking } from './stock-picking';
import { stockChangeProductQty, stockQuant } from './stock-quant';

export const DEFAULT_MODULES = ['stock', 'sale_stock', 'mrp'] as const;

/** Module dependencies, so that e.g. installing mrp alone still brings stock (Odoo installs depends first). */
const DEPENDS: Record<string, string[]> = {
  stock: ['product'],
  sale_stock: ['stock', 'sale'],
  sale: ['product'],
  mrp: ['stock'],
  product: ['uom'],
  uom: ['base'],
  base: [],
};

export function installedModules(requested: readonly string[]): Set<string> {
  const installed = new Set<string>();
  const visit = (name: string): void => {
    if (installed.has(name)) return;
    installed.add(name);
    for (const dep of DEPENDS[name] ?? []) visit(dep);
  };
  ['base', 'uom', 'product', ...requested].forEach(visit);
  return installed;
}

/** The models and fields a database of this version with these modules exposes. */
export function buildRegistry(version: OdooVersion, modules: ReadonlySet<string>): Map<string, ModelDef> {
  const models: ModelDef[] = [
    resCompany,
    resPartner,
    resUsers,
    uomUom,
    productTemplate(version),
    productProduct(version),
    stockLocation,
    stockPickingType,
    stockWarehouse,
    stockQuant,
    stockChangeProductQty,
    stockMove,
    stockPicking,
    saleOrder,
    saleOrderLine,
    mrpBom,
    mrpBomLine,
  ];
  const present = (field: FieldDef): boolean =>
    (!field.module || modules.has(field.module)) &&
    (field.since === undefined || version >= field.since) &&
    (field.until === undefined || version <= field.until);
  const registry = new Map<string, ModelDef>();
  for (const model of models) {
    if (!modules.has(model.module)) continue;
    // a field of another version or module stays a hidden column, so the business code can keep using it
    const fields = Object.fromEntries(
      Object.entries(model.fields).map(([name, field]) => [
        name,
        present(field) ? field : { ...field, internal: true },
      ]),
    );
    const installed: ModelDef = { ...model, fields: { ...MAGIC_FIELDS, ...fields } };
    installed.fields['display_name'] = {
      type: 'char',
      string: 'Display Name',
      readonly: true,
      compute: (env, rows) => rows.map((row) => displayName(env, installed, row)),
    };
    registry.set(model.name, installed);
  }
  // relational fields towards models that are not installed disappear with them
  for (const model of registry.values())
    for (const [name, field] of Object.entries(model.fields))
      if (field.relation && !registry.has(field.relation)) delete model.fields[name];
  return registry;
}
