/**
 * The simulated shop's inventory: items (one per variant), locations, levels, the API's write history and the
 * idempotency keys it has seen. Plain in-memory state; the HTTP layer owns concurrency (one event loop).
 */
export const QUANTITY_NAMES = [
  'available',
  'on_hand',
  'committed',
  'incoming',
  'reserved',
  'damaged',
  'safety_stock',
  'quality_control',
] as const;

export interface SimLevel {
  available: number;
  committed: number; // on_hand = available + committed (other states stay 0 in the simulator)
  updatedAt: string;
}

export interface SimItem {
  id: string; // gid://shopify/InventoryItem/<n>
  numericId: number;
  sku: string;
  tracked: boolean;
  createdAt: string;
  updatedAt: string;
  levels: Map<string, SimLevel>; // by location gid
  history: number[]; // 'available' at the default location after every API write, in order
}

export interface SimLocation {
  id: string;
  name: string;
  isActive: boolean;
}

export interface IdempotencyRecord {
  paramsHash: string;
  inFlight: boolean;
  payload?: unknown; // the mutation's original result, replayed for the same key and parameters
}

export const itemGid = (n: number): string => `gid://shopify/InventoryItem/${n}`;

/** Numeric id of a gid of the given type, or undefined when the string is not one. */
export function gidNumber(gid: unknown, type: string): number | undefined {
  if (typeof gid !== 'string') return undefined;
  const m = new RegExp(`^gid://shopify/${type}/(\\d+)(\\?.*)?$`).exec(gid);
  return m ? Number(m[1]) : undefined;
}

export class InventoryStore {
  readonly items = new Map<string, SimItem>();
  readonly locations = new Map<string, SimLocation>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly defaultLocationId: string;
  private nextItem = 43_210_000_001;
  private nextGroup = 9_100_000_001;

  constructor(
    readonly shopName: string,
    private readonly clock: () => number,
  ) {
    this.defaultLocationId = 'gid://shopify/Location/76543210';
    this.locations.set(this.defaultLocationId, {
      id: this.defaultLocationId,
      name: 'Main warehouse',
      isActive: true,
    });
  }

  now(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  addItem(sku: string, quantity: number, opts: { tracked?: boolean; stockedAtLocation?: boolean }): string {
    const numericId = this.nextItem++;
    const at = this.now();
    const item: SimItem = {
      id: itemGid(numericId),
      numericId,
      sku,
      tracked: opts.tracked ?? true,
      createdAt: at,
      updatedAt: at,
      levels: new Map(),
      history: [],
    };
    if (opts.stockedAtLocation ?? true)
      item.levels.set(this.defaultLocationId, { available: quantity, committed: 0, updatedAt: at });
    this.items.set(item.id, item);
    return item.id;
  }

  nextGroupId(): string {
    return `gid://shopify/InventoryAdjustmentGroup/${this.nextGroup++}`;
  }

  /** Items in id order matching a Shopify search query; supports `sku:`/`id:` terms, quotes, AND and OR. */
  search(query: string | undefined): SimItem[] {
    const all = [...this.items.values()].sort((a, b) => a.numericId - b.numericId);
    if (query === undefined || query.trim() === '') return all;
    const groups = parseSearch(query);
    return all.filter((item) => groups.some((terms) => terms.every((t) => matches(item, t))));
  }
}

interface SearchTerm {
  field?: string;
  value: string;
  negate: boolean;
}

function matches(item: SimItem, t: SearchTerm): boolean {
  let hit: boolean;
  switch (t.field) {
    case 'sku':
      hit = item.sku === t.value;
      break;
    case 'id':
      hit = String(item.numericId) === t.value || item.id === t.value;
      break;
    case undefined:
      hit = item.sku.toLowerCase().includes(t.value.toLowerCase()); // free text
      break;
    default:
      hit = false;
  }
  return t.negate ? !hit : hit;
}

/** `a:1 b:2 OR c:"x y"` → [[a:1, b:2], [c:x y]]: OR of AND groups; quoted values may escape `"` and `\`. */
export function parseSearch(query: string): SearchTerm[][] {
  const tokens: string[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] ?? '';
    if (c === ' ' || c === '(' || c === ')') {
      i += 1;
      continue;
    }
    let token = '';
    while (i < query.length && query[i] !== ' ' && query[i] !== ')') {
      const d = query[i] ?? '';
      if (d === '"' || d === "'") {
        i += 1;
        while (i < query.length && query[i] !== d) {
          if (query[i] === '\\' && i + 1 < query.length) i += 1;
          token += query[i] ?? '';
          i += 1;
        }
        i += 1;
      } else {
        token += d;
        i += 1;
      }
    }
    tokens.push(token);
  }
  const groups: SearchTerm[][] = [[]];
  for (const token of tokens) {
    if (token === 'OR') groups.push([]);
    else if (token === 'AND' || token === '') continue;
    else {
      const negate = token.startsWith('-');
      const body = negate ? token.slice(1) : token;
      const colon = body.indexOf(':');
      const term: SearchTerm =
        colon > 0
          ? { field: body.slice(0, colon), value: body.slice(colon + 1), negate }
          : { value: body, negate };
      groups[groups.length - 1]?.push(term);
    }
  }
  return groups.filter((g) => g.length > 0);
}
