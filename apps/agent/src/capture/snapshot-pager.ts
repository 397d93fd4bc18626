import { OdooError } from '../odoo/odoo-error';
import type { OdooClient, OdooDomain, OdooDomainTerm, StorableField } from '../odoo/odoo.client';
import { readLevels, type ObservedLevel, type Warehouse } from './level-reader';

/** How "storable" is searched for in each Odoo generation (see OdooClient.storableField). */
export function storableTerm(field: StorableField): [string, string, unknown] {
  switch (field) {
    case 'is_storable':
      return ['is_storable', '=', true];
    case 'detailed_type':
      return ['detailed_type', '=', 'product'];
    case 'type':
      return ['type', '=', 'product'];
  }
}

/**
 * The products one snapshot page covers: active (Odoo's default active_test) and tracked, that is storable or a
 * kit (kits are consumables whose quantities Odoo computes from their components), after `afterId`, by id.
 */
export function snapshotDomain(afterId: number, field: StorableField, kitIds: readonly number[]): OdooDomain {
  const tracked: OdooDomainTerm[] =
    kitIds.length > 0 ? ['|', storableTerm(field), ['id', 'in', [...kitIds]]] : [storableTerm(field)];
  return [['id', '>', afterId], ...tracked];
}

export interface SnapshotPageInput {
  odoo: OdooClient;
  afterId: number;
  /** Products per page. */
  limit: number;
  warehouses: readonly Warehouse[];
  kitIds: readonly number[];
  readBatchSize: number;
}

export interface SnapshotPage {
  /** The range the page covers: afterId < id <= lastProductId. Every tracked product in it was read. */
  afterProductId: number;
  lastProductId: number;
  /** Tracked products found in the range (ascending). */
  productIds: number[];
  /** Their levels in every warehouse, active only: a product archived between the search and the read is absent. */
  levels: ObservedLevel[];
  /** No tracked product after lastProductId (the page was not full). */
  exhausted: boolean;
  calls: number;
}

/**
 * One page of a reconciliation snapshot, by id range: `id > afterId ORDER BY id LIMIT n`, never an offset, so
 * products created or archived while the snapshot runs can neither shift a page nor make one repeat. Returns null
 * when no tracked product lies after `afterId`.
 */
export async function readSnapshotPage(input: SnapshotPageInput): Promise<SnapshotPage | null> {
  const { odoo, afterId, limit } = input;
  if (!(limit >= 1)) throw new Error(`snapshot: page size must be at least 1, got ${limit}`);
  const found = await odoo.searchRead(
    'product.product',
    snapshotDomain(afterId, odoo.storableField, input.kitIds),
    {
      fields: ['id'],
      order: 'id asc',
      limit,
    },
  );
  const productIds = found.map((p) => p.id);
  for (const [i, id] of productIds.entries()) {
    const previous = i === 0 ? afterId : (productIds[i - 1] ?? afterId);
    if (id <= previous)
      throw new OdooError(
        'protocol',
        'Odoo returned product.product rows out of id order (a snapshot page would loop)',
      );
  }
  const lastProductId = productIds.at(-1);
  if (lastProductId === undefined) return null;
  const kits = new Set(input.kitIds);
  const read = await readLevels(
    odoo,
    productIds,
    input.warehouses,
    input.readBatchSize,
    (id) => kits.has(id),
    () => undefined, // a product deleted since the search is simply absent from the snapshot
  );
  return {
    afterProductId: afterId,
    lastProductId,
    productIds,
    levels: read.levels.filter((l) => l.level.active),
    exhausted: productIds.length < limit,
    calls: 1 + read.calls,
  };
}
