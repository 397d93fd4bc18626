import type { ListingTarget } from './adapters/channel-adapter';

/**
 * Automatic mapping, the pure part: which Odoo products to look up on a channel, under which key, and what the
 * channel's answer means. A listing is always keyed by the Odoo SKU (default_code), because that is what stock
 * levels carry; matching by barcode only changes what the channel is searched for (its SKU field holding the
 * Odoo barcode, as many shops use the EAN as SKU).
 */
export type MatchBy = 'sku' | 'barcode';
export const MATCH_BY: readonly MatchBy[] = ['sku', 'barcode'];

/** One (sku, barcode) pair the relay has a level for; a product seen by several sites may repeat. */
export interface KnownProduct {
  sku: string;
  barcode: string | null;
}

export interface UnmappedProduct {
  sku: string;
  barcode: string | null;
  reason: string;
}

export type FoundTarget = Omit<ListingTarget, 'listingId' | 'sku'>;

export interface DiscoveryPlan {
  match: MatchBy;
  alreadyMapped: number; // SKUs the channel already has a listing for: not looked up again
  /** What to search the channel for (a SKU or a barcode) -> the Odoo SKU a hit maps. Ordered. */
  lookups: Map<string, string>;
  /** The Odoo SKUs looked up, with their barcode (the first, when sites disagree), in order. */
  candidates: Map<string, string | null>;
  unmapped: UnmappedProduct[]; // could not even be looked up
}

export interface DiscoveredTarget {
  sku: string;
  barcode: string | null;
  externalId: string;
  extra: Record<string, unknown>;
}

export interface DiscoveryOutcome {
  create: DiscoveredTarget[];
  unmapped: UnmappedProduct[];
}

/** Groups the products by SKU (sorted, so results are stable) and decides the lookups. */
export function planDiscovery(
  products: readonly KnownProduct[],
  mappedSkus: ReadonlySet<string>,
  match: MatchBy,
): DiscoveryPlan {
  const barcodesBySku = new Map<string, Set<string>>();
  for (const p of products) {
    const barcodes = barcodesBySku.get(p.sku) ?? new Set<string>();
    if (p.barcode !== null && p.barcode.trim() !== '') barcodesBySku.set(p.sku, barcodes.add(p.barcode));
    else barcodesBySku.set(p.sku, barcodes);
  }
  const skus = [...barcodesBySku.keys()].sort();
  const firstBarcode = (sku: string): string | null => [...(barcodesBySku.get(sku) ?? [])].sort()[0] ?? null;

  const plan: DiscoveryPlan = {
    match,
    alreadyMapped: 0,
    lookups: new Map(),
    candidates: new Map(),
    unmapped: [],
  };
  const open = skus.filter((sku) => {
    if (!mappedSkus.has(sku)) return true;
    plan.alreadyMapped++;
    return false;
  });
  if (match === 'sku') {
    for (const sku of open) {
      plan.lookups.set(sku, sku);
      plan.candidates.set(sku, firstBarcode(sku));
    }
    return plan;
  }

  // By barcode: a barcode several SKUs carry cannot say which product a hit is.
  const owners = new Map<string, string[]>();
  for (const sku of skus)
    for (const barcode of barcodesBySku.get(sku) ?? [])
      owners.set(barcode, [...(owners.get(barcode) ?? []), sku]);
  for (const sku of open) {
    const barcodes = [...(barcodesBySku.get(sku) ?? [])].sort();
    if (barcodes.length === 0) {
      plan.unmapped.push({ sku, barcode: null, reason: 'no barcode in Odoo to match by' });
      continue;
    }
    const unique = barcodes.filter((b) => (owners.get(b) ?? []).length === 1);
    if (unique.length === 0) {
      const [barcode = null] = barcodes;
      const others = (owners.get(barcode ?? '') ?? []).filter((s) => s !== sku);
      plan.unmapped.push({
        sku,
        barcode,
        reason: `barcode ${barcode} is shared with ${others.join(', ')} in Odoo: cannot tell which product it is`,
      });
      continue;
    }
    for (const barcode of unique) plan.lookups.set(barcode, sku);
    plan.candidates.set(sku, unique[0] ?? null);
  }
  return plan;
}

/** Turns the channel's answer (lookup key -> target) into listings to create and products left unmapped. */
export function resolveDiscovery(
  plan: DiscoveryPlan,
  found: ReadonlyMap<string, FoundTarget>,
): DiscoveryOutcome {
  const hits = new Map<string, { key: string; target: FoundTarget }>();
  for (const [key, sku] of plan.lookups) {
    const target = found.get(key);
    if (target && !hits.has(sku)) hits.set(sku, { key, target }); // several barcodes of one SKU: the first hit
  }
  const outcome: DiscoveryOutcome = { create: [], unmapped: [...plan.unmapped] };
  for (const [sku, barcode] of plan.candidates) {
    const hit = hits.get(sku);
    if (hit) {
      const usedBarcode = plan.match === 'barcode' ? hit.key : barcode;
      outcome.create.push({ sku, barcode: usedBarcode, ...hit.target });
    } else
      outcome.unmapped.push({
        sku,
        barcode,
        reason:
          plan.match === 'sku'
            ? `no listing with SKU ${sku} on the channel`
            : `no listing on the channel has the Odoo barcode ${barcode ?? ''} as its SKU`,
      });
  }
  outcome.unmapped.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return outcome;
}
