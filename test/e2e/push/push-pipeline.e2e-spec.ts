import { register } from 'prom-client';
import { CredentialsCipher } from '../../../apps/relay/src/channels/credentials.cipher';
import { ChannelNudger } from '../../../apps/relay/src/push/channel-nudger';
import { DeadLettersService } from '../../../apps/relay/src/push/dead-letters.service';
import type { RunningRelay } from '../../../apps/relay/src/relay';
import { startShopifySimulator, type ShopifySimulator } from '../../simulators/shopify/shopify-simulator';
import { waitFor } from '../../support/wait-for';
import { drainQueue, PushFixture, queueDepth, RELAY_SECRET_KEY, startPushRelay } from './push-fixtures';

jest.setTimeout(60_000);

/** One relay, one Shopify simulator, real PostgreSQL and RabbitMQ: the push pipeline end to end. */
describe('push pipeline → Shopify', () => {
  let relay: RunningRelay;
  let fx: PushFixture;
  let sim: ShopifySimulator;
  let tenantId: string;

  const setCalls = (): number => sim.calls().filter((c) => c.operation === 'inventorySetQuantities').length;

  beforeAll(async () => {
    fx = await PushFixture.open();
    relay = await startPushRelay();
  });
  afterAll(async () => {
    await relay?.close();
    await fx?.cleanup();
  });
  beforeEach(async () => {
    sim = await startShopifySimulator();
    tenantId = await fx.tenant();
  });
  afterEach(async () => {
    await sim.close();
  });

  it("pushes a dirty listing with the rule's quantity (channel rule, SKU override), and nothing for a SKU with no level", async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim, { rule: { buffer: 2, allocation: 0.5 } });
    const itemA = sim.addItem('SKU-A', 0);
    const itemB = sim.addItem('SKU-B', 0);
    const itemC = sim.addItem('SKU-C', 7);
    const a = await fx.listing(tenantId, channelId, 'SKU-A', itemA);
    const b = await fx.listing(tenantId, channelId, 'SKU-B', itemB, {
      override: { allocation: 1, buffer: 0 },
    });
    const c = await fx.listing(tenantId, channelId, 'SKU-C', itemC, { dirty: true }); // new listing, no level yet

    await fx.setLevels(relay, tenantId, [
      { sku: 'SKU-A', free: 20 },
      { sku: 'SKU-B', free: 12, warehouse: 'WH' },
      { sku: 'SKU-B', free: 3, warehouse: 'WH2' },
    ]);

    await waitFor(
      'SKU-A and SKU-B on Shopify',
      () => sim.quantityOf(itemA) === 9 && sim.quantityOf(itemB) === 15,
    );
    const stateA = await waitFor('SKU-A recorded as pushed', async () => {
      const s = await fx.listingState(a);
      return s.pushed_seq === s.dirty_seq && s;
    });
    expect(stateA).toMatchObject({
      last_pushed_quantity: 9,
      attempts: 0,
      dirty_since: null,
      last_error: null,
    });
    expect(stateA.pushed_seq).toBe(stateA.dirty_seq);
    expect((await fx.listingState(b)).last_pushed_quantity).toBe(15);

    const stateC = await waitFor('SKU-C settled', async () => {
      const s = await fx.listingState(c);
      return s.pushed_seq === s.dirty_seq && s;
    });
    expect(stateC.last_error).toMatch(/^NO_LEVEL/);
    expect(sim.quantityOf(itemC)).toBe(7); // untouched: no 0 pushed over stock we know nothing about
    expect(sim.history(itemC)).toEqual([]);

    const log = await fx.deliveries(channelId);
    expect(log.map((d) => [d.sku, d.quantity, d.status]).sort()).toEqual([
      ['SKU-A', 9, 'ok'],
      ['SKU-B', 15, 'ok'],
    ]);
    for (const d of log) expect(d.latency_ms).toEqual(expect.any(Number)); // Odoo observation → acceptance
    expect(setCalls()).toBe(1); // both in one batch
    const metrics = await register.getMetricsAsJSON();
    const latency = metrics.find((m) => m.name === 'relay_sync_latency_seconds');
    expect(
      latency?.values.find((v) => 'metricName' in v && v.metricName === 'relay_sync_latency_seconds_count')
        ?.value,
    ).toBeGreaterThanOrEqual(2);
    const items = metrics.find((m) => m.name === 'relay_push_items_total');
    expect(items?.values.find((v) => v.labels['status'] === 'no_level')?.value).toBeGreaterThanOrEqual(1);
    const depth = metrics.find((m) => m.name === 'relay_push_queue_depth'); // set by the sweeper
    expect(depth?.values.map((v) => v.labels['kind'])).toEqual(expect.arrayContaining(['shopify', 'amazon']));

    // The same quantity again costs no call; the listing is still marked clean.
    await fx.setLevel(relay, tenantId, 'SKU-A', 20);
    await waitFor('SKU-A clean again', async () => {
      const s = await fx.listingState(a);
      return s.pushed_seq === s.dirty_seq;
    });
    expect(setCalls()).toBe(1);
  });

  it('coalesces 1,000 rapid changes of one SKU into a handful of calls, the last carrying the last quantity', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const item = sim.addItem('HOT-1', 0);
    const listing = await fx.listing(tenantId, channelId, 'HOT-1', item);

    // 1,000 frames, each its own commit + nudge, 10 at a time (as several agent sockets would); versions grow
    // with i, so whatever order they commit in, the level ends at 5000 - 1000.
    const started = Date.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next++; i <= 1000; i = next++)
          await fx.setLevel(relay, tenantId, 'HOT-1', 5000 - i, 'WH', i);
      }),
    );
    const elapsed = Date.now() - started;

    await waitFor('the last quantity on Shopify', () => sim.quantityOf(item) === 4000, { timeoutMs: 15_000 });
    await waitFor('listing clean', async () => {
      const s = await fx.listingState(listing);
      return s.pushed_seq === s.dirty_seq;
    });
    const history = sim.history(item);
    expect(history[history.length - 1]).toBe(4000);
    // Passes are ≥ 200 ms apart (PUSH_COALESCE_MS), so calls ≤ 1 + elapsed / 200 and far below 1,000.
    expect(setCalls()).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 200));
    expect(setCalls()).toBeLessThan(25);
    process.stdout.write(`1,000 changes in ${elapsed} ms → ${setCalls()} Shopify calls\n`);

    // 1,000 nudges within a second after one more change: nudges that find nothing dirty cost no call.
    const before = setCalls();
    await fx.setLevel(relay, tenantId, 'HOT-1', 3999);
    const nudger = relay.app.get(ChannelNudger);
    const flood = Date.now();
    await Promise.all(Array.from({ length: 1000 }, () => nudger.nudge([channelId])));
    expect(Date.now() - flood).toBeLessThan(1000);
    await waitFor('3999 on Shopify', () => sim.quantityOf(item) === 3999);
    await new Promise((r) => setTimeout(r, 600)); // any late pass would have called by now
    expect(setCalls() - before).toBe(1);
  });

  it("honours Retry-After and paces to the store's real bucket, learnt from Shopify's throttleStatus", async () => {
    await sim.close();
    sim = await startShopifySimulator({ bucket: { maximumAvailable: 30, restoreRate: 10 } }); // 3 calls, then 1/s
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const skus = Array.from({ length: 1000 }, (_, i) => `PACE-${i}`);
    const items = skus.map((sku) => sim.addItem(sku, 0));
    for (const [i, sku] of skus.entries()) await fx.listing(tenantId, channelId, sku, items[i] ?? '');
    sim.injectFaults({ status: 429, retryAfterSec: 1.5, count: 1 });

    await fx.setLevels(
      relay,
      tenantId,
      skus.map((sku, i) => ({ sku, free: i })),
    );
    await waitFor('all 1,000 on Shopify', () => items.every((id, i) => sim.quantityOf(id) === i), {
      timeoutMs: 30_000,
    });

    const calls = sim.calls().filter((c) => c.operation === 'inventorySetQuantities' || c.status === 429);
    const [first, ...rest] = calls;
    expect(first?.status).toBe(429);
    for (const c of rest) expect(c.startedAt).toBeGreaterThanOrEqual((first?.endedAt ?? 0) + 1500 - 5);
    expect(rest.filter((c) => c.throttled)).toEqual([]); // never THROTTLED: the bucket knew the store's limit
    expect(rest.reduce((n, c) => n + c.items, 0)).toBe(1000);
    expect(rest.length).toBe(4); // 250 per call
    await waitFor('every listing recorded clean', async () => {
      const { rows } = await fx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM listings WHERE channel_id = $1 AND dirty_seq <> pushed_seq`,
        [channelId],
      );
      return rows[0]?.n === 0;
    });
    const log = await fx.deliveries(channelId);
    const retried = log.filter((d) => d.status === 'retry');
    expect(retried).toHaveLength(250); // the batch that met the 429
    expect(retried.every((d) => d.error?.startsWith('THROTTLED_429'))).toBe(true);
    const ok = log.filter((d) => d.status === 'ok');
    expect(ok).toHaveLength(1000);
    expect(ok.every((d) => d.attempt === 1)).toBe(true); // throttling is the API pacing us, not a failed attempt
  });

  it('holds a paused channel and pushes once it is resumed', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const item = sim.addItem('PAUSE-1', 0);
    await fx.listing(tenantId, channelId, 'PAUSE-1', item);
    await fx.db.query(`UPDATE channels SET paused = true WHERE id = $1`, [channelId]);
    await fx.setLevel(relay, tenantId, 'PAUSE-1', 8);
    await new Promise((r) => setTimeout(r, 1500)); // nudged and swept meanwhile
    expect(setCalls()).toBe(0);
    await fx.db.query(`UPDATE channels SET paused = false WHERE id = $1`, [channelId]); // no nudge: the sweeper
    await waitFor('pushed after resuming', () => sim.quantityOf(item) === 8);
  });

  it('retries a 5xx storm through the delay queues with backoff, then converges on the current quantity', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const item = sim.addItem('STORM-1', 1);
    const listing = await fx.listing(tenantId, channelId, 'STORM-1', item);
    sim.injectFaults({ status: 503, count: 4 });

    await fx.setLevel(relay, tenantId, 'STORM-1', 30);
    await waitFor('a retry scheduled', async () => (await fx.listingState(listing)).attempts >= 1 && true);
    await waitFor('its nudge waiting in a delay tier', async () => (await queueDepth('push.delay.1s')) > 0, {
      intervalMs: 20,
    });
    await fx.setLevel(relay, tenantId, 'STORM-1', 31); // changes during the storm: the retry pushes the newest

    await waitFor('Shopify shows 31', () => sim.quantityOf(item) === 31, { timeoutMs: 30_000 });
    await waitFor('the success recorded', async () => {
      const s = await fx.listingState(listing);
      return s.pushed_seq === s.dirty_seq;
    });
    const log = await fx.deliveries(channelId);
    const retries = log.filter((d) => d.status === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries[0]?.error).toMatch(/^SERVER_503/);
    expect(retries.map((d) => d.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(log[log.length - 1]).toMatchObject({ status: 'ok', quantity: 31 });
    expect(sim.history(item)).toEqual([31]); // the failed 30 was never re-sent: a retry pushes the current value
    expect(await fx.listingState(listing)).toMatchObject({
      attempts: 0,
      last_error: null,
      next_attempt_at: null,
    });
    expect(await fx.deadLetters(channelId)).toEqual([]);
  });

  it("dead-letters a permanent error with the API's message, in dead_letters and on push.dlq, and stops retrying", async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim);
    const good = sim.addItem('OK-1', 0);
    const gone = 'gid://shopify/InventoryItem/987654321'; // deleted on Shopify
    await fx.listing(tenantId, channelId, 'OK-1', good);
    const bad = await fx.listing(tenantId, channelId, 'GONE-1', gone);

    await fx.setLevels(relay, tenantId, [
      { sku: 'OK-1', free: 4 },
      { sku: 'GONE-1', free: 6 },
    ]);
    const [letter] = await waitFor('a dead letter', async () => {
      const rows = await fx.deadLetters(channelId);
      return rows.length > 0 && rows;
    });
    expect(letter).toMatchObject({
      listing_id: bad,
      sku: 'GONE-1',
      quantity: 6,
      attempts: 1,
      error_code: 'not-found',
    });
    expect(letter?.error_message).toContain('The specified inventory item could not be found.');
    await waitFor('the good one pushed', () => sim.quantityOf(good) === 4);

    const state = await fx.listingState(bad);
    expect(state.pushed_seq).toBe(state.dirty_seq); // stops retrying
    expect(state.last_error).toContain('could not be found');
    const dlq = await waitFor('the push.dlq message', async () => {
      const msgs = (await drainQueue('push.dlq')) as Array<Record<string, unknown>>;
      const mine = msgs.filter((m) => m['channelId'] === channelId);
      return mine.length > 0 && mine;
    });
    expect(dlq[0]).toMatchObject({
      deadLetterId: letter?.id,
      listingId: bad,
      sku: 'GONE-1',
      quantity: 6,
      errorCode: 'not-found',
      channelKind: 'shopify',
    });
    expect(String(dlq[0]?.['errorMessage'])).toContain('The specified inventory item could not be found.');

    const log = await fx.deliveries(channelId);
    expect(log.filter((d) => d.sku === 'GONE-1').map((d) => d.status)).toEqual(['dead']);
  });

  it('dead-letters a rejected token at once, and a replay after the fix pushes the current quantity', async () => {
    const channelId = await fx.shopifyChannel(tenantId, sim, { accessToken: 'shpat_revoked' });
    const item = sim.addItem('AUTH-1', 0);
    const listing = await fx.listing(tenantId, channelId, 'AUTH-1', item);
    await fx.setLevel(relay, tenantId, 'AUTH-1', 11);
    const [letter] = await waitFor('a dead letter', async () => {
      const rows = await fx.deadLetters(channelId);
      return rows.length > 0 && rows;
    });
    expect(letter).toMatchObject({ error_code: 'AUTH_401', quantity: 11, attempts: 1 });
    expect(letter?.error_message).toContain('Invalid API key or access token');
    await fx.setLevel(relay, tenantId, 'AUTH-1', 12); // still failing: a second dead letter, nothing pushed
    await waitFor('a second dead letter', async () => (await fx.deadLetters(channelId)).length === 2);

    await fx.db.query(`UPDATE channels SET credentials_encrypted = $2 WHERE id = $1`, [
      channelId,
      new CredentialsCipher(RELAY_SECRET_KEY).encrypt({ accessToken: sim.accessToken }),
    ]);
    const letters = relay.app.get(DeadLettersService);
    expect(await letters.replayOne(tenantId, letter?.id ?? '')).toMatchObject({
      replayedAt: expect.any(Date),
    });
    await waitFor('the current quantity pushed', () => sim.quantityOf(item) === 12);
    expect(sim.history(item)).toEqual([12]);
    await expect(letters.replayOne(tenantId, letter?.id ?? '')).rejects.toMatchObject({
      code: 'DEAD_LETTER_CLOSED', // once only
    });
    const { rows } = await fx.db.query<{ replayed: boolean }>(
      `SELECT replayed_at IS NOT NULL AS replayed FROM dead_letters WHERE id = $1`,
      [letter?.id],
    );
    expect(rows[0]?.replayed).toBe(true);
    await waitFor('listing clean', async () => {
      const s = await fx.listingState(listing);
      return s.pushed_seq === s.dirty_seq && s.last_error === null;
    });
  });
});
