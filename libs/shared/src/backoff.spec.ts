import { backoffDelay, parseRetryAfter } from './backoff';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 5_000 };

  it('grows exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, policy, () => 1))).toEqual([
      100, 200, 400, 800, 5_000,
    ]);
  });

  it('spreads delays over the whole range (full jitter)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds, fractional too', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter(' 1.5 ')).toBe(1_500);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('returns null for a missing or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
