/** Small, dependency-free statistics for the benchmark tables. */

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
  };
}

/** Rounds for reports: keeps JSON readable without hiding the unit's resolution. */
export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * How many calls a token bucket lets through in `windowMs` when it starts full: the burst plus what refills.
 * This is what "the API allows" means for the share of the rate limit used.
 */
export function allowedCalls(rate: { burstCalls: number; callsPerSec: number }, windowMs: number): number {
  return rate.burstCalls + (rate.callsPerSec * Math.max(0, windowMs)) / 1000;
}
