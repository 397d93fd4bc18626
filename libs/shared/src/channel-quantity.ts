/** Which Odoo figure feeds a channel. */
export type QuantitySource = 'free' | 'onHand' | 'forecast';
export const QUANTITY_SOURCES: readonly QuantitySource[] = ['free', 'onHand', 'forecast'];

/** The quantities of one product in one warehouse, as the relay stores them. */
export interface WarehouseQuantities {
  warehouse: string;
  onHand: number;
  free: number;
  forecast: number;
  active: boolean;
}

/** How a channel turns Odoo stock into the quantity it shows. */
export interface ChannelRule {
  source: QuantitySource;
  buffer: number; // units held back before allocation
  allocation: number; // share of the rest offered on this channel, 0..1
  max: number | null; // never show more than this
  min: number; // below this, show 0 (avoid selling the last, uncertain units)
  warehouses: string[] | null; // Odoo warehouse codes feeding the channel; null = all
}

export const DEFAULT_RULE: ChannelRule = {
  source: 'free',
  buffer: 0,
  allocation: 1,
  max: null,
  min: 0,
  warehouses: null,
};

/** A per-SKU override: any field given replaces the channel's. */
export type RuleOverride = Partial<ChannelRule>;

export function resolveRule(channel: ChannelRule, override?: RuleOverride | null): ChannelRule {
  if (!override) return channel;
  const merged = { ...channel };
  for (const [key, value] of Object.entries(override) as Array<[keyof ChannelRule, unknown]>) {
    if (value !== undefined) (merged as Record<keyof ChannelRule, unknown>)[key] = value;
  }
  return merged;
}

/**
 * Channel quantity = max(0, floor((source - buffer) * allocation)), capped at `max`, and 0 below `min`.
 * Warehouses are summed before the rule applies, so one oversold warehouse (negative) lowers the total
 * rather than being ignored. A product archived in Odoo shows 0 everywhere.
 */
export function channelQuantity(levels: readonly WarehouseQuantities[], rule: ChannelRule): number {
  const feeding =
    rule.warehouses === null ? levels : levels.filter((l) => rule.warehouses?.includes(l.warehouse));
  if (feeding.length === 0 || feeding.some((l) => !l.active)) return 0;
  const source = feeding.reduce((sum, l) => sum + l[rule.source], 0);
  // Rounding first keeps binary noise (2.9999999 from unit conversions) from costing a unit.
  const allocated = Math.floor(Math.round((source - rule.buffer) * rule.allocation * 1e6) / 1e6);
  const capped = rule.max === null ? allocated : Math.min(allocated, rule.max);
  const quantity = Math.max(0, capped);
  return quantity < rule.min ? 0 : quantity;
}
