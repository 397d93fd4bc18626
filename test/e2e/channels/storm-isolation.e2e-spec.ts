import type { RunningRelay } from '../../../apps/relay/src/relay';
import { waitFor } from '../../support/wait-for';
import {
  startChannelsRelay,
  startSimChannel,
  TenantDriver,
  type ListingDto,
  type SimChannel,
  type SimTarget,
} from './channel-fixtures';

const SKUS = ['STORM-1', 'STORM-2', 'STORM-3', 'STORM-4'];
const RETRY_AFTER_SEC = 2;
/** What "normal" means here: a healthy channel shows a change this soon after the relay acked it. */
const HEALTHY_MAX_MS = 2_000;

interface Lane {
  name: string;
  sim: SimChannel;
  channelId: string;
  targets: SimTarget[];
}

/**
 * Three channels fed by the same levels; one of them (WooCommerce) goes through a 429 storm with Retry-After and
 * then a 5xx storm. The other two must keep their normal delay throughout, the stormy one must wait as told, and
 * after the storms every listing must show the last levels with nothing lost.
 */
describe('a 429 and a 5xx storm on one channel', () => {
  let relay: RunningRelay;
  let tenant: TenantDriver;
  const lanes: Lane[] = [];
  let round = 0;

  beforeAll(async () => {
    // A storm of a few seconds must not use up a listing's attempts: production's backoff base is 1 s, here 200 ms.
    relay = await startChannelsRelay({ PUSH_MAX_ATTEMPTS: '40' });
    tenant = await TenantDriver.create(relay);
    for (const kind of ['shopify', 'woocommerce', 'webhook'] as const) {
      const sim = await startSimChannel(kind);
      const targets = SKUS.map((sku) => sim.addListing(sku, 0));
      const channel = await tenant.channel(sim);
      for (const [i, sku] of SKUS.entries()) await tenant.listing(channel.id, sku, targets[i] as SimTarget);
      lanes.push({ name: kind, sim, channelId: channel.id, targets });
    }
  });
  afterAll(async () => {
    await tenant?.close();
    await relay?.close();
    await Promise.all(lanes.map((l) => l.sim.close()));
  });

  const valuesOf = (r: number): number[] => SKUS.map((_, i) => 1000 + r * 10 + i);
  const shows = (lane: Lane, values: number[]): boolean =>
    lane.targets.every((t, i) => lane.sim.quantityOf(t) === values[i]);

  /** Sends one change of every SKU; resolves with how long each given lane took, from the ack, to show it. */
  async function change(watch: Lane[]): Promise<Map<string, number>> {
    const values = valuesOf(++round);
    const ackedAt = await tenant.agent.send(SKUS.map((sku, i) => ({ sku, free: values[i] ?? 0 })));
    const delays = new Map<string, number>();
    await Promise.all(
      watch.map(async (lane) => {
        await waitFor(`${lane.name} shows round ${round}`, () => shows(lane, values), {
          timeoutMs: 10_000,
          intervalMs: 10,
        });
        delays.set(lane.name, Date.now() - ackedAt);
      }),
    );
    return delays;
  }

  it('keeps the healthy channels at their normal delay, makes the stormy one wait as told, and loses nothing', async () => {
    const [shopify, woo, webhook] = lanes as [Lane, Lane, Lane];
    const healthy = [shopify, webhook];
    const report: string[] = [];

    const baseline = await change(lanes);
    report.push(`normal: ${JSON.stringify(Object.fromEntries(baseline))}`);

    // --- 429 storm with Retry-After on WooCommerce ---
    const stormStart = Date.now();
    woo.sim.injectFaults({ status: 429, retryAfterSec: RETRY_AFTER_SEC });
    const during429: number[] = [];
    while (Date.now() - stormStart < 5_500) {
      const delays = await change(healthy);
      for (const d of delays.values()) during429.push(d);
      await new Promise((r) => setTimeout(r, 150));
    }
    const throttled = woo.sim.calls().filter((c) => c.startedAt >= stormStart && c.status === 429);
    // --- 5xx storm ---
    const fiveStart = Date.now();
    woo.sim.injectFaults({ status: 503 });
    const during5xx: number[] = [];
    while (Date.now() - fiveStart < 3_500) {
      const delays = await change(healthy);
      for (const d of delays.values()) during5xx.push(d);
      await new Promise((r) => setTimeout(r, 150));
    }
    woo.sim.clearFaults();
    const fiveEnd = Date.now();
    report.push(`healthy during 429s: max ${Math.max(...during429)} ms over ${during429.length} changes`);
    report.push(`healthy during 5xx: max ${Math.max(...during5xx)} ms over ${during5xx.length} changes`);

    // The healthy channels never noticed.
    expect(during429.length).toBeGreaterThanOrEqual(6);
    expect(during5xx.length).toBeGreaterThanOrEqual(4);
    for (const d of [...during429, ...during5xx]) expect(d).toBeLessThan(HEALTHY_MAX_MS);

    // The stormy channel waited at least Retry-After after every 429 before calling again.
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    const wooCalls = woo.sim.calls();
    for (const t of throttled) {
      const next = wooCalls.find((c) => c.startedAt > t.endedAt);
      if (next && next.startedAt < fiveStart)
        expect(next.startedAt - t.endedAt).toBeGreaterThanOrEqual(RETRY_AFTER_SEC * 1000 - 50);
    }
    const in429 = wooCalls.filter((c) => c.startedAt >= stormStart && c.startedAt < fiveStart).length;
    expect(in429).toBeLessThanOrEqual(Math.ceil((fiveStart - stormStart) / (RETRY_AFTER_SEC * 1000)) + 1);
    // ... and kept retrying through the 5xx storm (with backoff), without dead-lettering anything.
    const in5xx = wooCalls.filter((c) => c.startedAt >= fiveStart && c.startedAt < fiveEnd);
    expect(in5xx.length).toBeGreaterThanOrEqual(2);
    expect(in5xx.every((c) => c.status === 503)).toBe(true);

    // After the storms: one more change, and every listing of every channel converges on the last levels.
    const recoverStart = Date.now();
    const last = valuesOf(round + 1);
    const afterDelays = await change(lanes);
    report.push(
      `after: ${JSON.stringify(Object.fromEntries(afterDelays))} (recovery ${Date.now() - recoverStart} ms)`,
    );
    for (const lane of lanes) {
      expect(lane.targets.map((t) => lane.sim.quantityOf(t))).toEqual(last);
      await waitFor(`${lane.name} listings clean`, async () => {
        const { items } = await tenant.admin.get<{ items: ListingDto[] }>(
          tenant.path(`/channels/${lane.channelId}/listings`),
        );
        return items.every(
          (l) => !l.dirty && l.lastError === null && last.includes(l.lastPushedQuantity ?? -1),
        );
      });
    }
    // Nothing lost: no dead letters; the healthy channels got every change, in order.
    const dead = await tenant.admin.get<{ items: unknown[] }>(tenant.path('/dead-letters'));
    expect(dead.items).toEqual([]);
    for (const lane of healthy)
      for (const [i, t] of lane.targets.entries()) {
        const expected = Array.from({ length: round }, (_, r) => valuesOf(r + 1)[i]);
        expect(lane.sim.history(t).filter((q) => q >= 1000)).toEqual(expected);
      }
    process.stdout.write(`storm isolation:\n  ${report.join('\n  ')}\n`);
  });
});
