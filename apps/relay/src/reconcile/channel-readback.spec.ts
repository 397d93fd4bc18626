import { DEFAULT_RULE, type ChannelRule } from '@stockbridge/shared';
import {
  ChannelCallError,
  type ChannelAdapter,
  type ListingTarget,
} from '../channels/adapters/channel-adapter';
import { desiredQuantity, judge, readBackChannel } from './channel-readback';
import type { ReadbackListing, Remark } from './readback.repository';

const OLD = new Date('2026-11-01T00:00:00Z');
const CUTOFF = new Date('2026-11-28T00:00:00Z');
const RECENT = new Date('2026-11-28T12:00:00Z');

const listing = (id: string, free: number, over: Partial<ReadbackListing> = {}): ReadbackListing => ({
  id,
  sku: `SKU-${id}`,
  externalId: `ext-${id}`,
  extra: {},
  ruleOverride: { ok: true, value: null },
  dirtySeq: '3',
  pushedSeq: '3',
  lastPushedAt: RECENT,
  levels: [{ warehouse: 'WH', onHand: free, free, forecast: free, active: true }],
  ...over,
});

describe('judging a listing against what its channel shows', () => {
  it('computes the desired quantity only for clean listings with a level and a usable rule', () => {
    const rule: ChannelRule = { ...DEFAULT_RULE, buffer: 2 };
    expect(desiredQuantity(listing('a', 10), rule)).toBe(8);
    expect(desiredQuantity(listing('a', 10, { dirtySeq: '4' }), rule)).toBeNull(); // a push is pending
    expect(desiredQuantity(listing('a', 10, { levels: [] }), rule)).toBeNull(); // no Odoo level yet
    expect(desiredQuantity(listing('a', 10, { ruleOverride: { ok: false, reason: 'x' } }), rule)).toBeNull();
    expect(
      desiredQuantity(listing('a', 10, { ruleOverride: { ok: true, value: { buffer: 0 } } }), rule),
    ).toBe(10);
  });

  it('tells ok, drift, missing and a zero due for a re-send apart', () => {
    expect(judge(5, 5, RECENT, CUTOFF)).toEqual({ kind: 'ok', desired: 5 });
    expect(judge(5, 3, RECENT, CUTOFF)).toEqual({ kind: 'drift', desired: 5, live: 3 });
    expect(judge(5, Infinity, RECENT, CUTOFF)).toEqual({ kind: 'drift', desired: 5, live: Infinity }); // unmanaged
    expect(judge(5, null, RECENT, CUTOFF)).toEqual({ kind: 'missing', desired: 5 });
    expect(judge(0, 0, OLD, CUTOFF)).toEqual({ kind: 'zero-resend' });
    expect(judge(0, 0, RECENT, CUTOFF)).toEqual({ kind: 'ok', desired: 0 });
    expect(judge(0, 2, OLD, CUTOFF)).toEqual({ kind: 'drift', desired: 0, live: 2 }); // a drift, not a re-send
    expect(judge(null, 3, OLD, CUTOFF)).toEqual({ kind: 'skip' });
    expect(judge(5, undefined, OLD, CUTOFF)).toEqual({ kind: 'skip' }); // the adapter said nothing
  });
});

describe('readBackChannel', () => {
  /** A channel API that shows fixed quantities; reads can be made to fail. */
  class FakeAdapter implements Pick<ChannelAdapter, 'readQuantities'> {
    reads: string[][] = [];
    failures: Error[] = [];
    constructor(private readonly shows: Record<string, number | null>) {}
    readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
      this.reads.push(targets.map((t) => t.listingId));
      const failure = this.failures.shift();
      if (failure) return Promise.reject(failure);
      return Promise.resolve(new Map(targets.map((t) => [t.listingId, this.shows[t.listingId] ?? null])));
    }
  }
  /** In-memory listings; a mark succeeds unless the listing changed since it was read. */
  const repoOf = (listings: ReadbackListing[], changed = new Set<string>()) => {
    const marked: Remark[][] = [];
    return {
      marked,
      page: (_c: string, _t: string, afterSku: string | null, limit: number) =>
        Promise.resolve(listings.filter((l) => afterSku === null || l.sku > afterSku).slice(0, limit)),
      markForPush: (_c: string, remarks: readonly Remark[]) => {
        marked.push([...remarks]);
        return Promise.resolve(new Set(remarks.filter((r) => !changed.has(r.id)).map((r) => r.id)));
      },
    };
  };
  const input = (adapter: FakeAdapter, repo: ReturnType<typeof repoOf>, pageSize = 2) => ({
    channelId: 'ch',
    tenantId: 't',
    rule: DEFAULT_RULE,
    adapter: adapter as unknown as ChannelAdapter,
    repo,
    zeroResendBefore: CUTOFF,
    pageSize,
    signal: new AbortController().signal,
  });

  it('pages through every listing, reads only the judgeable ones, and marks drifts and old zeros', async () => {
    const listings = [
      listing('a', 5),
      listing('b', 7),
      listing('c', 0, { lastPushedAt: OLD }),
      listing('d', 4, { dirtySeq: '9' }),
      listing('e', 3),
    ];
    const adapter = new FakeAdapter({ a: 5, b: 2, c: 0, e: null });
    const repo = repoOf(listings);
    const result = await readBackChannel(input(adapter, repo));
    expect(adapter.reads).toEqual([['a', 'b'], ['c'], ['e']]); // d is dirty: a push is on its way
    expect(result).toEqual({
      listingsChecked: 4,
      corrections: 1,
      zeroResends: 1,
      missing: ['SKU-e'],
      examples: ['SKU-b: shows 2, should show 7'],
    });
    expect(repo.marked.flat().map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('counts only the marks that took (a listing pushed meanwhile is not a correction)', async () => {
    const adapter = new FakeAdapter({ a: 1, b: 1 });
    const result = await readBackChannel(
      input(adapter, repoOf([listing('a', 5), listing('b', 5)], new Set(['b']))),
    );
    expect(result.corrections).toBe(1);
  });

  it('reads again when the API paces it, and gives up on an auth failure with what it found so far', async () => {
    const adapter = new FakeAdapter({ a: 5, b: 1, c: 1 });
    adapter.failures.push(new ChannelCallError('throttled', 'THROTTLED', { retryAfterMs: 10 }));
    const found = { listingsChecked: 0, corrections: 0, zeroResends: 0, missing: [], examples: [] };
    const listings = [listing('a', 5), listing('b', 5), listing('c', 5)];
    const repo = repoOf(listings);
    const reading = readBackChannel(input(adapter, repo), found);
    await expect(reading).resolves.toMatchObject({ listingsChecked: 3, corrections: 2 });

    const denied = new FakeAdapter({});
    denied.failures.push(new ChannelCallError('auth', 'Invalid API key or access token'));
    const partial = { listingsChecked: 0, corrections: 0, zeroResends: 0, missing: [], examples: [] };
    await expect(readBackChannel(input(denied, repoOf(listings)), partial)).rejects.toThrow(
      'Invalid API key',
    );
    expect(denied.reads).toHaveLength(1);
    expect(partial.listingsChecked).toBe(0);
  });

  it('does not wait out a Retry-After longer than a minute: the read-back of that channel stops, saying why', async () => {
    const paced = new FakeAdapter({ a: 5 });
    paced.failures.push(new ChannelCallError('throttled', 'THROTTLED', { retryAfterMs: 600_000 }));
    await expect(readBackChannel(input(paced, repoOf([listing('a', 5)])))).rejects.toThrow(
      'the channel asks to wait 600 s before reading again; the next run reads it back',
    );
    expect(paced.reads).toHaveLength(1);
  });

  it('with pages in flight, never more reads at once than allowed, and the counts of every page add up', async () => {
    const listings = Array.from({ length: 40 }, (_, i) => listing(String(i).padStart(2, '0'), 5));
    const shows = Object.fromEntries(listings.map((l, i) => [l.id, i % 4 === 0 ? 1 : 5]));
    let inFlight = 0;
    let mostInFlight = 0;
    const slow = new FakeAdapter(shows);
    const read = slow.readQuantities.bind(slow);
    slow.readQuantities = async (targets) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return read(targets);
    };
    const repo = repoOf(listings);
    const result = await readBackChannel({ ...input(slow, repo, 3), concurrency: 4 });
    expect(mostInFlight).toBe(4);
    expect(slow.reads.flat().sort()).toEqual(listings.map((l) => l.id)); // each listing read once
    expect(result).toMatchObject({ listingsChecked: 40, corrections: 10, zeroResends: 0 });
  });

  it('with pages in flight, a failed read stops the paging and is what the run reports', async () => {
    const listings = Array.from({ length: 40 }, (_, i) => listing(String(i).padStart(2, '0'), 5));
    const adapter = new FakeAdapter({});
    adapter.failures.push(new ChannelCallError('auth', 'Invalid API key or access token'));
    const repo = repoOf(listings);
    const reading = readBackChannel({ ...input(adapter, repo, 2), concurrency: 3 });
    await expect(reading).rejects.toThrow('Invalid API key');
    expect(adapter.reads.length).toBeLessThanOrEqual(3); // the pages already in flight, no more
  });
});
