import { DELAY_TIERS, delayTierFor, retriesExhausted, retryDelayMs } from './retry-policy';

const LIMITS = { baseMs: 1000, maxMs: 300_000, maxAttempts: 8, maxAgeMs: 6 * 3600_000 };

describe('delayTierFor', () => {
  it('picks the longest tier that does not overshoot the wait', () => {
    expect(delayTierFor(0).name).toBe('1s');
    expect(delayTierFor(999).name).toBe('1s');
    expect(delayTierFor(1000).name).toBe('1s');
    expect(delayTierFor(4999).name).toBe('1s');
    expect(delayTierFor(5000).name).toBe('5s');
    expect(delayTierFor(29_999).name).toBe('5s');
    expect(delayTierFor(30_000).name).toBe('30s');
    expect(delayTierFor(299_999).name).toBe('30s');
    expect(delayTierFor(300_000).name).toBe('5m');
    expect(delayTierFor(3_600_000).name).toBe('5m'); // longer waits chain through the 5 m tier
  });

  it('has tiers in ascending order, named as the queues are', () => {
    expect(DELAY_TIERS.map((t) => t.name)).toEqual(['1s', '5s', '30s', '5m']);
    const ms = DELAY_TIERS.map((t) => t.ms);
    expect([...ms].sort((a, b) => a - b)).toEqual(ms);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially under full jitter and stops at the maximum', () => {
    const top = () => 0.999999;
    expect(retryDelayMs(1, LIMITS, undefined, top)).toBe(1000);
    expect(retryDelayMs(2, LIMITS, undefined, top)).toBe(2000);
    expect(retryDelayMs(4, LIMITS, undefined, top)).toBe(8000);
    expect(retryDelayMs(20, LIMITS, undefined, top)).toBe(300_000);
    expect(retryDelayMs(3, LIMITS, undefined, () => 0)).toBe(0);
  });

  it('never retries before the API said to (Retry-After)', () => {
    expect(retryDelayMs(1, LIMITS, 7000, () => 0.5)).toBe(7000);
    expect(retryDelayMs(5, LIMITS, 100, () => 0.999999)).toBe(16_000);
  });
});

describe('retriesExhausted', () => {
  it('gives up at the attempt limit or when the change is too old', () => {
    expect(retriesExhausted(7, 1000, LIMITS)).toBe(false);
    expect(retriesExhausted(8, 1000, LIMITS)).toBe(true);
    expect(retriesExhausted(1, 6 * 3600_000, LIMITS)).toBe(true);
  });
});
