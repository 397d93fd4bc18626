import type { Env } from './env';
import type { Row } from './types';

/** Location tree helpers over stock.location's stored parent_path ("1/7/8/"), as Odoo's child_of uses it. */

export function locationPath(env: Env, locationId: number): string {
  const path = env.store.get('stock.location', locationId)?.['parent_path'];
  return typeof path === 'string' ? path : `${locationId}/`;
}

/** Ids of the given locations and, if `children`, everything below them. */
export function expandLocations(env: Env, roots: number[], children: boolean): Set<number> {
  if (!children) return new Set(roots);
  const prefixes = roots.map((id) => locationPath(env, id));
  const result = new Set<number>();
  for (const location of env.store.rows('stock.location')) {
    const path = String(location['parent_path'] ?? '');
    if (prefixes.some((prefix) => path.startsWith(prefix))) result.add(location.id);
  }
  return result;
}

export function isInternal(location: Row | undefined): boolean {
  return location?.['usage'] === 'internal' || location?.['usage'] === 'transit';
}

/** The company's virtual "Inventory adjustment" location (Odoo: product.property_stock_inventory). */
export function inventoryLossLocation(env: Env, companyId: number | null): number {
  const candidates = [...env.store.rows('stock.location')].filter((l) => l['usage'] === 'inventory');
  const own = candidates.find((l) => l['company_id'] === companyId) ?? candidates[0];
  if (!own) throw new Error('no Inventory adjustment location in the database');
  return own.id;
}

export function customerLocation(env: Env): number {
  const location = [...env.store.rows('stock.location')].find((l) => l['usage'] === 'customer');
  if (!location) throw new Error('no Customers location in the database');
  return location.id;
}
