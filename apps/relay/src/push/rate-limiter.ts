import type { ChannelAdapter, RateSignal } from '../channels/adapters/channel-adapter';

/** Time source; tests pass a fake one. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export type BucketRate = ChannelAdapter['defaultRate'];

const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
const nonNegative = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;

/**
 * The token bucket of ONE channel account. It starts full at the adapter's default rate and is corrected by every
 * RateSignal the API returns, so it converges on what the API really allows (plan-dependent Shopify restore rates,
 * Amazon's per-seller limit). Exact only because one worker at a time writes to an account (single-active-consumer):
 * nobody else spends these tokens.
 */
export class TokenBucket {
  private rate: BucketRate;
  private tokens: number;
  private updatedAt: number;
  private blockedUntil = 0;

  constructor(
    initial: BucketRate,
    private readonly clock: Clock = systemClock,
  ) {
    this.rate = { ...initial };
    this.tokens = initial.capacity;
    this.updatedAt = clock.now();
  }

  /** Current view, for logs and tests. */
  snapshot(): BucketRate & { tokens: number; blockedForMs: number } {
    const now = this.refill();
    return { ...this.rate, tokens: this.tokens, blockedForMs: Math.max(0, this.blockedUntil - now) };
  }

  /** How long (ms) until a call of this cost may start; 0 = now. Takes nothing. */
  waitMs(cost: number = this.rate.costPerCall): number {
    const now = this.refill();
    const blocked = Math.max(0, this.blockedUntil - now);
    // A call dearer than the whole bucket waits for a full bucket, not forever.
    const missing = Math.min(cost, this.rate.capacity) - this.tokens;
    const refillWait = missing <= 0 ? 0 : Math.ceil((missing / this.rate.refillPerSec) * 1000);
    return Math.max(blocked, refillWait);
  }

  /** Spends the tokens of one call that starts now. */
  take(cost: number = this.rate.costPerCall): void {
    this.refill();
    this.tokens -= cost;
  }

  /**
   * Corrects the bucket from what the API reported after a call (or with its throttle error): its own
   * figures replace our estimates, and Retry-After blocks every call until then.
   */
  observe(signal: RateSignal | undefined): void {
    if (!signal) return;
    const now = this.refill();
    if (positive(signal.capacity)) this.rate.capacity = signal.capacity;
    if (positive(signal.refillPerSec)) this.rate.refillPerSec = signal.refillPerSec;
    if (positive(signal.costPerCall)) this.rate.costPerCall = signal.costPerCall;
    if (nonNegative(signal.available)) this.tokens = signal.available;
    this.tokens = Math.min(this.tokens, this.rate.capacity);
    if (nonNegative(signal.retryAfterMs))
      this.blockedUntil = Math.max(this.blockedUntil, now + signal.retryAfterMs);
  }

  /** The API said "throttled": believe its figures, and when it gave none, assume the bucket is empty. */
  throttled(signal: RateSignal | undefined): void {
    this.observe(signal);
    if (!nonNegative(signal?.available) && !nonNegative(signal?.retryAfterMs)) {
      this.refill();
      this.tokens = Math.min(this.tokens, 0);
    }
  }

  private refill(): number {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.rate.capacity, this.tokens + (elapsed / 1000) * this.rate.refillPerSec);
    this.updatedAt = now;
    return now;
  }
}

/** One bucket per channel account, kept for the life of this relay instance. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Clock = systemClock) {}

  bucket(channelId: string, defaultRate: BucketRate): TokenBucket {
    let bucket = this.buckets.get(channelId);
    if (!bucket) {
      bucket = new TokenBucket(defaultRate, this.clock);
      this.buckets.set(channelId, bucket);
    }
    return bucket;
  }

  forget(channelId: string): void {
    this.buckets.delete(channelId);
  }
}
