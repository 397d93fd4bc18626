import { RateLimiter, TokenBucket, type Clock } from './rate-limiter';

class FakeClock implements Clock {
  constructor(private t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const SHOPIFY_STANDARD = { capacity: 2000, refillPerSec: 100, costPerCall: 10 };
const AMAZON = { capacity: 5, refillPerSec: 5, costPerCall: 1 };

describe('TokenBucket', () => {
  it('allows a full burst at once, then paces calls at the refill rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(AMAZON, clock);
    for (let i = 0; i < 5; i++) {
      expect(bucket.waitMs()).toBe(0);
      bucket.take();
    }
    expect(bucket.waitMs()).toBe(200); // 1 token at 5/s
    clock.advance(100);
    expect(bucket.waitMs()).toBe(100);
    clock.advance(100);
    expect(bucket.waitMs()).toBe(0);
  });

  it('never refills beyond its capacity', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(AMAZON, clock);
    clock.advance(60_000);
    for (let i = 0; i < 5; i++) bucket.take();
    expect(bucket.waitMs()).toBe(200);
  });

  it('takes the API-reported tokens, restore rate and cost over its own estimate (Shopify throttleStatus)', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(SHOPIFY_STANDARD, clock);
    bucket.take();
    // Another app cannot spend our tokens, but the plan may differ: an Advanced store restores 200/s.
    bucket.observe({ capacity: 4000, available: 30, refillPerSec: 200, costPerCall: 50 });
    expect(bucket.snapshot()).toMatchObject({
      capacity: 4000,
      refillPerSec: 200,
      costPerCall: 50,
      tokens: 30,
    });
    expect(bucket.waitMs()).toBe(100); // 20 missing at 200/s
  });

  it('blocks every call until Retry-After has passed, whatever the tokens say', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(SHOPIFY_STANDARD, clock);
    bucket.observe({ retryAfterMs: 3000 });
    expect(bucket.waitMs()).toBe(3000);
    clock.advance(2500);
    expect(bucket.waitMs()).toBe(500);
    clock.advance(500);
    expect(bucket.waitMs()).toBe(0);
  });

  it('learns the limit from Amazon x-amzn-RateLimit-Limit', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(AMAZON, clock);
    bucket.observe({ refillPerSec: 0.5 });
    for (let i = 0; i < 5; i++) bucket.take();
    expect(bucket.waitMs()).toBe(2000);
  });

  it('assumes an empty bucket when throttled without figures, and trusts the figures when given', () => {
    const clock = new FakeClock();
    const bare = new TokenBucket(SHOPIFY_STANDARD, clock);
    bare.throttled(undefined);
    expect(bare.waitMs()).toBe(100); // 10 points at 100/s
    const told = new TokenBucket(SHOPIFY_STANDARD, clock);
    told.throttled({ available: 2, costPerCall: 752 });
    expect(told.waitMs()).toBe(7500); // (752 - 2) / 100 s
  });

  it('ignores nonsense figures instead of dividing by zero', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(AMAZON, clock);
    bucket.observe({ refillPerSec: 0, capacity: -1, costPerCall: Number.NaN, available: -3 });
    expect(bucket.snapshot()).toMatchObject({ capacity: 5, refillPerSec: 5, costPerCall: 1, tokens: 5 });
  });

  it('lets a call dearer than the whole bucket wait for a full bucket, not forever', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSec: 1, costPerCall: 50 }, clock);
    expect(bucket.waitMs()).toBe(0);
    bucket.take();
    expect(bucket.waitMs()).toBe(50_000); // from -40 back to a full 10
  });
});

describe('RateLimiter', () => {
  it('keeps one bucket per channel account', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock);
    const a = limiter.bucket('a', AMAZON);
    for (let i = 0; i < 5; i++) a.take();
    expect(limiter.bucket('a', AMAZON).waitMs()).toBe(200);
    expect(limiter.bucket('b', AMAZON).waitMs()).toBe(0);
    limiter.forget('a');
    expect(limiter.bucket('a', AMAZON).waitMs()).toBe(0);
  });
});
