import type { OdooClient } from '../odoo/odoo.client';
import { FEED_CONTEXT, many2oneId } from './change-feed';

/**
 * Which products are kits (phantom BoMs) and which kits each component feeds. Kits have no quants: Odoo
 * computes their quantities from the components, so a component's move must also refresh its kits.
 */
export class KitMap {
  private readonly kits: ReadonlySet<number>;

  private constructor(
    /** component product id → kit product ids (direct parents only). */
    private readonly parents: ReadonlyMap<number, ReadonlySet<number>>,
    /** phantom BoM id → kit product ids it defines. */
    private readonly bomKits: ReadonlyMap<number, readonly number[]>,
    readonly loadedAt: number,
    /** Odoo calls the load took. */
    readonly loadCalls: number,
  ) {
    this.kits = new Set([...bomKits.values()].flat());
  }

  static empty(): KitMap {
    return new KitMap(new Map(), new Map(), 0, 0);
  }

  /** Reads every active phantom BoM, its lines, and the variants of BoMs set on a template. */
  static async load(odoo: OdooClient, pageSize: number, now: number = Date.now()): Promise<KitMap> {
    const calls = { count: 0 };
    const boms = await readAll(
      odoo,
      calls,
      'mrp.bom',
      [['type', '=', 'phantom']],
      ['product_tmpl_id', 'product_id'],
      pageSize,
    );
    const bomKits = new Map<number, number[]>();
    const byTemplate = new Map<number, number[]>(); // template id → BoM ids that apply to all its variants
    for (const bom of boms) {
      const variant = many2oneId(bom['product_id']);
      if (variant !== undefined) {
        bomKits.set(bom.id, [variant]);
        continue;
      }
      const template = many2oneId(bom['product_tmpl_id']);
      if (template === undefined) continue;
      bomKits.set(bom.id, []);
      byTemplate.set(template, [...(byTemplate.get(template) ?? []), bom.id]);
    }
    for (const chunk of chunks([...byTemplate.keys()], pageSize)) {
      // Kits are read with archived variants too: an archived kit must still go to 0 when its parts move.
      const variants = await odoo.searchRead('product.product', [['product_tmpl_id', 'in', chunk]], {
        fields: ['product_tmpl_id'],
        order: 'id asc',
        context: FEED_CONTEXT,
      });
      calls.count++;
      for (const v of variants) {
        for (const bomId of byTemplate.get(many2oneId(v['product_tmpl_id']) ?? 0) ?? [])
          bomKits.get(bomId)?.push(v.id);
      }
    }
    const parents = new Map<number, Set<number>>();
    for (const chunk of chunks([...bomKits.keys()], pageSize)) {
      const lines = await readAll(
        odoo,
        calls,
        'mrp.bom.line',
        [['bom_id', 'in', chunk]],
        ['bom_id', 'product_id'],
        pageSize,
      );
      for (const line of lines) {
        const component = many2oneId(line['product_id']);
        const kits = bomKits.get(many2oneId(line['bom_id']) ?? 0);
        if (component === undefined || !kits) continue;
        const set = parents.get(component) ?? new Set<number>();
        for (const kit of kits) set.add(kit);
        parents.set(component, set);
      }
    }
    return new KitMap(parents, bomKits, now, calls.count);
  }

  /** Number of kit products. */
  get size(): number {
    return this.kits.size;
  }

  /** Every kit product id (a snapshot searches for them besides storable products). */
  get kitIds(): number[] {
    return [...this.kits];
  }

  isKit(productId: number): boolean {
    return this.kits.has(productId);
  }

  /** The kits defined by these BoMs (to refresh when a BoM or its lines change). */
  kitsOfBoms(bomIds: Iterable<number>): number[] {
    const out = new Set<number>();
    for (const id of bomIds) for (const kit of this.bomKits.get(id) ?? []) out.add(kit);
    return [...out];
  }

  /** Every kit that contains any of these products, through nested kits too. */
  kitsContaining(productIds: Iterable<number>): number[] {
    const found = new Set<number>();
    const queue = [...productIds];
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      for (const kit of this.parents.get(id) ?? []) {
        if (found.has(kit)) continue; // also stops a (misconfigured) kit cycle
        found.add(kit);
        queue.push(kit);
      }
    }
    return [...found];
  }
}

async function readAll(
  odoo: OdooClient,
  calls: { count: number },
  model: string,
  domain: [string, string, unknown][],
  fields: string[],
  pageSize: number,
): Promise<Awaited<ReturnType<OdooClient['searchRead']>>> {
  const all: Awaited<ReturnType<OdooClient['searchRead']>> = [];
  for (let lastId = 0; ;) {
    const page = await odoo.searchRead(model, [...domain, ['id', '>', lastId]], {
      fields,
      order: 'id asc',
      limit: pageSize,
    });
    calls.count++;
    all.push(...page);
    const last = page.at(-1);
    if (page.length < pageSize || !last) return all;
    lastId = last.id;
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
