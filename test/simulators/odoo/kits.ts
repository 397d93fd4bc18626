import type { Env } from './env';
import type { Row } from './types';

/** Phantom BoMs (kits): a kit has no stock of its own; its quantities come from its components. */

export interface KitBom {
  bom: Row;
  lines: Row[];
}

/** The kit BoM of a product: a variant-specific phantom BoM first, else its template's (Odoo's _bom_find). */
export function findKitBom(env: Env, productId: number): KitBom | null {
  if (!env.hasModel('mrp.bom')) return null;
  const product = env.store.get('product.product', productId);
  if (!product) return null;
  const phantom = (bom: Row): boolean => bom['type'] === 'phantom' && bom['active'] === true;
  const byId = (a: Row, b: Row): number => a.id - b.id;
  const own = env.store.referencing('mrp.bom', 'product_id', productId).filter(phantom).sort(byId);
  const tmplId = product['product_tmpl_id'];
  const generic =
    typeof tmplId === 'number'
      ? env.store
          .referencing('mrp.bom', 'product_tmpl_id', tmplId)
          .filter((bom) => phantom(bom) && bom['product_id'] === null)
          .sort(byId)
      : [];
  const bom = own[0] ?? generic[0];
  if (!bom) return null;
  return { bom, lines: env.store.referencing('mrp.bom.line', 'bom_id', bom.id).sort(byId) };
}

/** Components and quantities needed for `quantity` kits (one level: nested kits explode again when moved). */
export function explodeKit(kit: KitBom, quantity: number): Array<{ productId: number; quantity: number }> {
  const batches = quantity / (Number(kit.bom['product_qty']) || 1);
  return kit.lines.flatMap((line) =>
    typeof line['product_id'] === 'number'
      ? [{ productId: line['product_id'], quantity: batches * Number(line['product_qty'] ?? 0) }]
      : [],
  );
}
