import { execFileSync } from 'node:child_process';
import { ChannelNudger } from '../../../apps/relay/src/push/channel-nudger';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import { startShopifySimulator, type ShopifySimulator } from '../../simulators/shopify/shopify-simulator';
import { waitFor } from '../../support/wait-for';
import { PushFixture, startPushRelay } from './push-fixtures';

jest.setTimeout(90_000);

/** Relay restarts and several relay instances: nothing lost, never two writers on one channel account. */
describe('push pipeline across restarts and instances', () => {
  let fx: PushFixture;
  let sim: ShopifySimulator;
  let tenantId: string;
  const relays: RunningRelay[] = [];

  const start = async (): Promise<RunningRelay> => {
    const relay = await startPushRelay();
    relays.push(relay);
    return relay;
  };
  const setCalls = () => sim.calls().filter((c) => c.operation === 'inventorySetQuantities');

  async function listingsOf(
    channelId: string,
  ): Promise<Array<{ sku: string; clean: boolean; qty: number | null }>> {
    const { rows } = await fx.db.query<{ sku: string; clean: boolean; qty: number | null }>(
      `SELECT sku, dirty_seq = pushed_seq AS clean, last_pushed_quantity AS qty FROM listings WHERE channel_id = $1`,
      [channelId],
    );
    return rows;
  }

  beforeAll(async () => {
    fx = await PushFixture.open();
  });
  afterAll(async () => {
    await fx?.cleanup();
  });
  beforeEach(async () => {
    sim = await startShopifySimulator();
    tenantId = await fx.tenant();
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.close();
    await sim.close();
  });

  it('loses nothing when the relay is closed mid-retry and started again', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const skus = Array.from({ length: 30 }, (_, i) => `RESTART-${i}`);
    const items = new Map(skus.map((sku) => [sku, sim.addItem(sku, 0)]));
    for (const sku of skus) await fx.listing(tenantId, channelId, sku, items.get(sku) ?? '');

    const first = await start();
    sim.injectFaults({ status: 503 }); // until cleared
    await fx.setLevels(
      first,
      tenantId,
      skus.map((sku, i) => ({ sku, free: 100 + i })),
    );
    await waitFor('every listing retrying', async () => {
      const { rows } = await fx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM listings WHERE channel_id = $1 AND attempts >= 1`,
        [channelId],
      );
      return rows[0]?.n === skus.length;
    });
    await fx.setLevels(
      first,
      tenantId,
      skus.map((sku, i) => ({ sku, free: 200 + i })),
    ); // newer, during the storm
    await first.close();
    relays.splice(relays.indexOf(first), 1);

    sim.clearFaults();
    const second = await start();
    await waitFor(
      'every listing on Shopify with its newest quantity',
      () => skus.every((sku, i) => sim.quantityOf(items.get(sku) ?? '') === 200 + i),
      { timeoutMs: 30_000 },
    );
    await waitFor('every listing clean', async () => (await listingsOf(channelId)).every((l) => l.clean));
    expect(await fx.deadLetters(channelId)).toEqual([]);
    for (const [i, sku] of skus.entries()) expect(sim.history(items.get(sku) ?? '')).toEqual([200 + i]);
    expect(second.port).toBeGreaterThan(0);
  });

  it('never lets two relay instances call one channel account at the same time, also when one stops', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    sim.setLatency(150); // calls that take time would overlap if two workers ran
    const skus = Array.from({ length: 600 }, (_, i) => `TWO-${i}`); // 3 batches of Shopify's 250
    const items = new Map(skus.map((sku) => [sku, sim.addItem(sku, 0)]));
    for (const sku of skus) await fx.listing(tenantId, channelId, sku, items.get(sku) ?? '');

    const [a, b] = [await start(), await start()];
    // Changes arrive through both instances (agents land on any), and both keep nudging the channel while its
    // slow calls run: without single-active-consumer the second instance would push the same listings meanwhile.
    const nudgeFromBoth = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        await Promise.all([a, b].map((r) => r.app.get(ChannelNudger).nudge([channelId])));
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    for (let round = 1; round <= 3; round++) {
      const via = round % 2 === 0 ? a : b;
      for (let from = 0; from < skus.length; from += 200)
        await fx.setLevels(
          via,
          tenantId,
          skus.slice(from, from + 200).map((sku, i) => ({ sku, free: round * 1000 + from + i })),
        );
      await nudgeFromBoth();
    }
    await a.close(); // hand-over: b becomes the active consumer of the channel's queue
    relays.splice(relays.indexOf(a), 1);
    await fx.setLevels(
      b,
      tenantId,
      skus.map((sku, i) => ({ sku, free: 9000 + i })),
    );

    await waitFor(
      'every listing converged',
      () => skus.every((sku, i) => sim.quantityOf(items.get(sku) ?? '') === 9000 + i),
      { timeoutMs: 30_000 },
    );
    const calls = [...setCalls()].sort((x, y) => x.startedAt - y.startedAt);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const overlaps = calls.slice(1).filter((c, i) => c.startedAt < (calls[i]?.endedAt ?? 0));
    expect(overlaps).toEqual([]);
    expect(calls.every((c) => c.items <= 250)).toBe(true);
  });

  it('reconnects when the broker drops its connection, and pushes what changed meanwhile', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const item = sim.addItem('RECONNECT-1', 0);
    await fx.listing(tenantId, channelId, 'RECONNECT-1', item);
    const relay = await start();
    await fx.setLevel(relay, tenantId, 'RECONNECT-1', 5);
    await waitFor('first push', () => sim.quantityOf(item) === 5);

    const vhost = new URL(process.env['AMQP_URL'] ?? '').pathname.slice(1);
    const pushConnections = (): string[] =>
      execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'vhost', 'client_properties'], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter((line) => line.split('\t')[1] === vhost && line.includes('stockbridge-relay-push'))
        .map((line) => line.split('\t')[0] ?? '');
    const [pid] = pushConnections();
    expect(pid).toBeTruthy();
    execFileSync('rabbitmqctl', ['-q', 'close_connection', pid ?? '', 'push e2e: connection dropped']);

    await fx.setLevel(relay, tenantId, 'RECONNECT-1', 6); // its nudge may be lost: the sweeper finds it
    await waitFor('pushed after the reconnect', () => sim.quantityOf(item) === 6, { timeoutMs: 20_000 });
    await waitFor('a new push connection', () => pushConnections().some((p) => p !== pid));
    await fx.setLevel(relay, tenantId, 'RECONNECT-1', 7);
    await waitFor('and the next change as usual', () => sim.quantityOf(item) === 7);
  });
});
