import { DEFAULT_RULE, type ChannelRule } from '@stockbridge/shared';
import { ChannelCallError } from '../channels/adapters/channel-adapter';
import { callFailureOf, planListing, settleBatch, type PushPlan } from './push-plan';
import type { DueListingRow, LevelRow } from './push-rows';
import { parseDueListingRow } from './push-rows';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const LIMITS = { baseMs: 1000, maxMs: 300_000, maxAttempts: 3, maxAgeMs: 3600_000 };

const level = (warehouse: string, free: number, observedAt: Date | null = new Date(NOW - 500)): LevelRow => ({
  warehouse,
  onHand: free + 2,
  free,
  forecast: free + 5,
  active: true,
  observedAt,
});

function listing(over: Partial<DueListingRow> = {}): DueListingRow {
  return {
    id: 'l-1',
    sku: 'SKU-1',
    externalId: 'gid://shopify/InventoryItem/1',
    extra: {},
    ruleOverride: null,
    ruleOverrideError: null,
    dirtySeq: '7',
    dirtySince: new Date(NOW - 1000),
    attempts: 0,
    lastPushedQuantity: null,
    lastPushedAt: null,
    lastError: null,
    levels: [level('WH', 10)],
    ...over,
  };
}

const pushPlan = (l: DueListingRow): PushPlan => {
  const plan = planListing(l, DEFAULT_RULE);
  if (plan.action !== 'push') throw new Error(`expected a push plan, got ${plan.action}`);
  return plan;
};

describe('planListing', () => {
  it("pushes the rule's quantity from the levels read now, with the channel rule and the SKU override", () => {
    const rule: ChannelRule = { ...DEFAULT_RULE, buffer: 2, allocation: 0.5 };
    const l = listing({ levels: [level('WH', 10), level('WH2', 5)] });
    expect(planListing(l, rule)).toMatchObject({ action: 'push', quantity: 6 }); // (15 - 2) * 0.5
    expect(planListing({ ...l, ruleOverride: { source: 'onHand', allocation: 1 } }, rule)).toMatchObject({
      action: 'push',
      quantity: 17, // (12 + 7) - 2
    });
  });

  it('skips the call when the channel already shows the desired quantity from an earlier successful push', () => {
    const pushedBefore = { lastPushedQuantity: 10, lastPushedAt: new Date(NOW - 60_000) };
    expect(planListing(listing(pushedBefore), DEFAULT_RULE)).toMatchObject({
      action: 'unchanged',
      quantity: 10,
    });
    // the earlier push failed afterwards (last_error set): the channel may not show it, so push
    expect(planListing(listing({ ...pushedBefore, lastError: 'SERVER_503' }), DEFAULT_RULE).action).toBe(
      'push',
    );
    // never pushed: push even 0
    expect(planListing(listing({ levels: [level('WH', 0)] }), DEFAULT_RULE)).toMatchObject({
      action: 'push',
      quantity: 0,
    });
  });

  it('carries the observation and correlation id of the newest level behind the quantity', () => {
    const older = { ...level('WH', 4, new Date(NOW - 9_000)), correlationId: 'poll-old' };
    const newer = { ...level('WH2', 6, new Date(NOW - 1_000)), correlationId: 'poll-new' };
    expect(planListing(listing({ levels: [newer, older] }), DEFAULT_RULE)).toMatchObject({
      action: 'push',
      quantity: 10,
      observedAt: new Date(NOW - 1_000),
      correlationId: 'poll-new',
    });
    const unknown = planListing(listing({ levels: [level('WH', 3, null)] }), DEFAULT_RULE);
    expect(unknown).toMatchObject({ action: 'push', observedAt: null, correlationId: null });
  });

  it('pushes nothing for a SKU the relay has no Odoo level for, rather than zeroing the channel', () => {
    expect(planListing(listing({ levels: [] }), DEFAULT_RULE).action).toBe('no-level');
  });

  it('dead-letters a listing whose override is unusable, naming the field', () => {
    const parsed = parseDueListingRow({
      id: 'l-9',
      sku: 'S',
      external_id: 'x',
      extra: {},
      rule_override: { allocation: 3 },
      dirty_seq: '2',
      dirty_since: new Date(NOW),
      attempts: 0,
      last_pushed_quantity: null,
      last_pushed_at: null,
      last_error: null,
      levels: [{ warehouse: 'WH', onHand: '1', free: 1, forecast: 1, active: true, observedAt: null }],
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(planListing(parsed.value, DEFAULT_RULE)).toMatchObject({
      action: 'invalid',
      code: 'RULE_OVERRIDE_INVALID',
      message: 'rule_override.allocation: invalid',
    });
  });
});

describe('settleBatch', () => {
  const ctx = { limits: LIMITS, now: NOW, random: () => 0.999999 };

  it('marks accepted items ok with the latency from the Odoo observation', () => {
    const a = pushPlan(listing({ id: 'a' }));
    const b = pushPlan(listing({ id: 'b', lastPushedAt: new Date(NOW - 100), lastPushedQuantity: 3 })); // levels older
    const out = settleBatch(
      [a, b],
      {
        items: [
          { listingId: 'a', ok: true, quantity: 10 },
          { listingId: 'b', ok: true, quantity: 10 },
        ],
      },
      ctx,
    );
    expect(out).toEqual([
      { status: 'ok', plan: a, quantity: 10, latencyMs: 500 },
      { status: 'ok', plan: b, quantity: 10, latencyMs: null }, // a re-push of old levels is no sync delay
    ]);
  });

  it('retries retryable failures with backoff and dead-letters permanent ones with the API text', () => {
    const a = pushPlan(listing({ id: 'a', attempts: 1 }));
    const b = pushPlan(listing({ id: 'b' }));
    const c = pushPlan(listing({ id: 'c' }));
    const out = settleBatch(
      [a, b, c],
      {
        items: [
          { listingId: 'a', ok: false, permanent: false, code: 'INTERNAL', message: 'try later' },
          {
            listingId: 'b',
            ok: false,
            permanent: true,
            code: 'INVALID_INVENTORY_ITEM',
            message: 'Inventory item not found',
          },
        ],
        rate: { retryAfterMs: 100 },
      },
      ctx,
    );
    expect(out[0]).toMatchObject({ status: 'retry', attempts: 2, delayMs: 2000, code: 'INTERNAL' });
    expect(out[1]).toMatchObject({
      status: 'dead',
      attempts: 1,
      code: 'INVALID_INVENTORY_ITEM',
      message: 'Inventory item not found',
    });
    expect(out[2]).toMatchObject({ status: 'retry', attempts: 1, code: 'NO_RESULT' }); // never left without an outcome
  });

  it('gives up after the last attempt or when the change is too old', () => {
    const failure = callFailureOf(
      new ChannelCallError('server', 'HTTP 503: Service Unavailable', undefined, 503),
    );
    expect(failure).toMatchObject({ retryable: true, code: 'SERVER_503' });
    const tired = pushPlan(listing({ attempts: 2 }));
    const old = pushPlan(listing({ dirtySince: new Date(NOW - 3600_000) }));
    expect(
      settleBatch([tired, old], failure, ctx).map((o) => [o.status, o.status === 'ok' ? null : o.code]),
    ).toEqual([
      ['dead', 'SERVER_503'],
      ['dead', 'SERVER_503'],
    ]);
  });

  it('honours Retry-After and does not count throttling as an attempt', () => {
    const failure = callFailureOf(
      new ChannelCallError('throttled', 'Throttled', { retryAfterMs: 12_000 }, 200),
    );
    expect(failure).toMatchObject({ retryable: true, countsAsAttempt: false, code: 'THROTTLED_200' });
    const [out] = settleBatch([pushPlan(listing({ attempts: 2 }))], failure, ctx);
    expect(out).toMatchObject({ status: 'retry', attempts: 2, delayMs: 12_000 });
  });

  it('dead-letters at once on a whole-call permanent failure, and retries what the adapter threw unexpectedly', () => {
    const auth = callFailureOf(
      new ChannelCallError('auth', '[API] Invalid API key or access token', undefined, 401),
    );
    expect(settleBatch([pushPlan(listing())], auth, ctx)[0]).toMatchObject({
      status: 'dead',
      attempts: 1,
      code: 'AUTH_401',
    });
    const bug = callFailureOf(new TypeError('x is undefined'));
    expect(bug).toEqual({
      retryable: true,
      countsAsAttempt: true,
      code: 'ADAPTER_ERROR',
      message: 'TypeError: x is undefined',
    });
  });
});
