import {
  channelQuantity,
  DEFAULT_RULE,
  resolveRule,
  type ChannelRule,
  type WarehouseQuantities,
} from './channel-quantity';

const level = (
  warehouse: string,
  free: number,
  extra: Partial<WarehouseQuantities> = {},
): WarehouseQuantities => ({
  warehouse,
  onHand: free,
  free,
  forecast: free,
  active: true,
  ...extra,
});
const rule = (r: Partial<ChannelRule>): ChannelRule => ({ ...DEFAULT_RULE, ...r });

describe('channelQuantity', () => {
  it('passes free stock through with the default rule', () => {
    expect(channelQuantity([level('WH', 7)], DEFAULT_RULE)).toBe(7);
  });

  it('sums the warehouses that feed the channel and ignores the others', () => {
    const levels = [level('WH', 5), level('WH2', 3), level('EU', 100)];
    expect(channelQuantity(levels, rule({ warehouses: ['WH', 'WH2'] }))).toBe(8);
  });

  it('lets an oversold warehouse lower the total rather than be ignored', () => {
    expect(channelQuantity([level('WH', -2), level('WH2', 5)], DEFAULT_RULE)).toBe(3);
  });

  it('never goes below zero for negative stock', () => {
    expect(channelQuantity([level('WH', -4)], DEFAULT_RULE)).toBe(0);
  });

  it('shows 0 when the buffer is larger than the stock', () => {
    expect(channelQuantity([level('WH', 3)], rule({ buffer: 5 }))).toBe(0);
  });

  it('applies buffer before allocation and floors the result', () => {
    // (11 - 1) * 0.35 = 3.5 -> 3
    expect(channelQuantity([level('WH', 11)], rule({ buffer: 1, allocation: 0.35 }))).toBe(3);
  });

  it('floors fractional quantities from other units of measure, without losing a unit to float noise', () => {
    expect(channelQuantity([level('WH', 2.75)], DEFAULT_RULE)).toBe(2);
    expect(channelQuantity([level('WH', 0.1 + 0.2), level('WH2', 2.7)], rule({ allocation: 1 }))).toBe(3);
  });

  it('caps at the maximum', () => {
    expect(channelQuantity([level('WH', 500)], rule({ max: 50 }))).toBe(50);
  });

  it('sends 0 below the minimum', () => {
    expect(channelQuantity([level('WH', 2)], rule({ min: 3 }))).toBe(0);
    expect(channelQuantity([level('WH', 3)], rule({ min: 3 }))).toBe(3);
  });

  it('reads the selected source quantity', () => {
    const l = level('WH', 4, { onHand: 10, forecast: -1 });
    expect(channelQuantity([l], rule({ source: 'onHand' }))).toBe(10);
    expect(channelQuantity([l], rule({ source: 'forecast' }))).toBe(0);
  });

  it('shows 0 for a product archived in Odoo', () => {
    expect(channelQuantity([level('WH', 9, { active: false })], DEFAULT_RULE)).toBe(0);
  });

  it('shows 0 when no warehouse feeds the channel', () => {
    expect(channelQuantity([], DEFAULT_RULE)).toBe(0);
    expect(channelQuantity([level('WH', 9)], rule({ warehouses: ['WH2'] }))).toBe(0);
  });
});

describe('resolveRule', () => {
  it('replaces only the fields a per-SKU override gives', () => {
    expect(resolveRule(rule({ buffer: 2, allocation: 0.5 }), { buffer: 0 })).toEqual(
      rule({ buffer: 0, allocation: 0.5 }),
    );
  });

  it('keeps the channel rule when there is no override', () => {
    const channel = rule({ max: 10 });
    expect(resolveRule(channel, null)).toBe(channel);
  });
});
