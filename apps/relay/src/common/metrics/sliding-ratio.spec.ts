import { SlidingRatio } from './sliding-ratio';

describe('SlidingRatio', () => {
  const T0 = 1_800_000_000_000;

  it('is ok / (ok + failed) per key, null for a key with nothing recorded', () => {
    const r = new SlidingRatio(60_000, 6);
    r.record('shopify', 9, 1, T0);
    r.record('shopify', 0, 0, T0); // nothing: no effect
    r.record('ebay', 0, 2, T0);
    expect(r.ratio('shopify', T0)).toBeCloseTo(0.9);
    expect(r.ratio('ebay', T0)).toBe(0);
    expect(r.ratio('amazon', T0)).toBeNull();
  });

  it('forgets outcomes older than the window, one slot at a time', () => {
    const r = new SlidingRatio(60_000, 6); // 10 s slots
    r.record('k', 0, 4, T0); // a failure burst
    r.record('k', 4, 0, T0 + 30_000);
    expect(r.ratio('k', T0 + 30_000)).toBe(0.5);
    expect(r.ratio('k', T0 + 59_999)).toBe(0.5); // the burst's slot is still in the window
    expect(r.ratio('k', T0 + 61_000)).toBe(1); // ...and now out of it
    expect(r.ratio('k', T0 + 95_000)).toBeNull();
  });

  it('reuses a slot when the ring wraps, without carrying old counts', () => {
    const r = new SlidingRatio(60_000, 6);
    r.record('k', 1, 0, T0);
    r.record('k', 0, 1, T0 + 60_000); // same ring index, one window later
    expect(r.ratio('k', T0 + 60_000)).toBe(0);
  });

  it('lists the ratios of the keys still in the window and drops the others', () => {
    const r = new SlidingRatio(60_000, 6);
    r.record('old', 1, 0, T0);
    r.record('new', 3, 1, T0 + 50_000);
    expect(r.ratios(T0 + 70_000)).toEqual(new Map([['new', 0.75]]));
    expect(r.ratio('old', T0 + 70_000)).toBeNull();
  });

  it('refuses a window it cannot slice', () => {
    expect(() => new SlidingRatio(0)).toThrow(/windowMs must be positive/);
    expect(() => new SlidingRatio(1000, 0)).toThrow(/slots a positive integer/);
  });
});
