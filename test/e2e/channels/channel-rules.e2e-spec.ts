import type { ChannelRule, RuleOverride } from '@stockbridge/shared';
import type { ChannelKind } from '../../../apps/relay/src/channels/adapters/channel-adapter';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import { waitFor } from '../../support/wait-for';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ListingDto,
  type Reading,
  type SimChannel,
  type SimTarget,
} from './channel-fixtures';

/**
 * Levels reach the relay as an agent sends them (WebSocket `levels` frames); each channel kind's simulator must
 * end up showing what its rule gives. Expected figures are worked out by hand below, not with channelQuantity.
 *
 * Two warehouses per product:   round 1: WH {onHand 30, free 25, forecast 40}  WH2 {onHand 10, free 8, forecast 12}
 *                               round 2: WH {onHand 14, free  9, forecast 20}  WH2 {onHand 10, free 8, forecast  3}
 */
const ROUNDS: Array<{ WH: Omit<Reading, 'sku'>; WH2: Omit<Reading, 'sku'> }> = [
  { WH: { onHand: 30, free: 25, forecast: 40 }, WH2: { onHand: 10, free: 8, forecast: 12 } },
  { WH: { onHand: 14, free: 9, forecast: 20 }, WH2: { onHand: 10, free: 8, forecast: 3 } },
];

interface Case {
  kind: ChannelKind;
  rule: Partial<ChannelRule>;
  override: RuleOverride; // on listing B only
  expectA: [number, number]; // per round
  expectB: [number, number];
}

const CASES: Case[] = [
  {
    kind: 'shopify',
    rule: { buffer: 2, allocation: 0.5, warehouses: ['WH'] }, // free of WH only
    override: { buffer: 0, allocation: 1, max: 20 },
    expectA: [11, 3], // (25-2)*0.5 = 11.5 -> 11 ; (9-2)*0.5 = 3.5 -> 3
    expectB: [20, 9], // min(25, 20) ; 9
  },
  {
    kind: 'woocommerce',
    rule: { source: 'onHand', buffer: 5, allocation: 0.8, max: 25 }, // all warehouses
    override: { source: 'free' },
    expectA: [25, 15], // (40-5)*0.8 = 28 capped 25 ; (24-5)*0.8 = 15.2 -> 15
    expectB: [22, 9], // (33-5)*0.8 = 22.4 -> 22 ; (17-5)*0.8 = 9.6 -> 9
  },
  {
    kind: 'ebay',
    rule: { source: 'forecast', warehouses: ['WH2'], buffer: 1, min: 10 },
    override: { warehouses: ['WH', 'WH2'] },
    expectA: [11, 0], // 12-1 = 11 ; 3-1 = 2 is below min 10 -> 0
    expectB: [51, 22], // 52-1 ; 23-1
  },
  {
    kind: 'amazon',
    rule: { buffer: 3, allocation: 0.25, max: 10 },
    override: { allocation: 1 },
    expectA: [7, 3], // (33-3)*0.25 = 7.5 -> 7 ; (17-3)*0.25 = 3.5 -> 3
    expectB: [10, 10], // 30 capped 10 ; 14 capped 10
  },
  {
    kind: 'webhook',
    rule: { allocation: 0.5, min: 5 },
    override: { min: 10 },
    expectA: [16, 8], // 33*0.5 = 16.5 -> 16 ; 17*0.5 = 8.5 -> 8
    expectB: [16, 0], // 16 ; 8 is below min 10 -> 0
  },
];

describe('channel rules reach every channel kind', () => {
  let relay: RunningRelay;
  let tenant: TenantDriver;
  const sims: SimChannel[] = [];

  beforeAll(async () => {
    relay = await startChannelsRelay();
    tenant = await TenantDriver.create(relay);
  });
  afterAll(async () => {
    await tenant?.close();
    await relay?.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('shows, on Shopify, WooCommerce, eBay, Amazon and a webhook, the quantity each rule and override gives', async () => {
    const setups: Array<{
      c: Case;
      sim: SimChannel;
      channelId: string;
      a: SimTarget;
      b: SimTarget;
      skuA: string;
      skuB: string;
    }> = [];
    for (const c of CASES) {
      const sim = await startSimChannel(c.kind);
      sims.push(sim);
      const skuA = `${c.kind.toUpperCase()}-A`;
      const skuB = `${c.kind.toUpperCase()}-B`;
      const a = sim.addListing(skuA, 99);
      const b = sim.addListing(skuB, 99);
      const channel = await tenant.channel(sim, c.rule);
      expect(channel.rule).toMatchObject(c.rule);
      await tenant.listing(channel.id, skuA, a);
      await tenant.listing(channel.id, skuB, b, c.override);
      setups.push({ c, sim, channelId: channel.id, a, b, skuA, skuB });
    }

    for (const [round, levels] of ROUNDS.entries()) {
      await tenant.agent.send(
        setups.flatMap((s) =>
          [s.skuA, s.skuB].flatMap((sku) => [
            { sku, warehouse: 'WH', ...levels.WH },
            { sku, warehouse: 'WH2', ...levels.WH2 },
          ]),
        ),
      );
      for (const s of setups) {
        const want = { a: s.c.expectA[round], b: s.c.expectB[round] };
        await waitFor(
          `${s.c.kind} round ${round + 1}: A=${want.a} B=${want.b} (shows ${s.sim.quantityOf(s.a)}, ${s.sim.quantityOf(s.b)})`,
          () => s.sim.quantityOf(s.a) === want.a && s.sim.quantityOf(s.b) === want.b,
          { timeoutMs: 15_000 },
        );
      }
    }

    // Every listing settles clean, recording what it showed last, without an error.
    for (const s of setups) {
      const want = new Map([
        [s.skuA, s.c.expectA[1]],
        [s.skuB, s.c.expectB[1]],
      ]);
      await waitFor(`${s.c.kind} listings clean`, async () => {
        const { items } = await tenant.admin.get<{ items: ListingDto[] }>(
          tenant.path(`/channels/${s.channelId}/listings`),
        );
        return (
          items.length === 2 &&
          items.every((l) => !l.dirty && l.lastError === null && l.lastPushedQuantity === want.get(l.sku))
        );
      });
    }
  });
});
