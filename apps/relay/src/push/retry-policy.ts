import { backoffDelay, type BackoffPolicy } from '@stockbridge/shared';

/**
 * Delay tiers: one queue each with a fixed x-message-ttl that dead-letters back to the `push` exchange.
 * Fixed per queue, not per-message `expiration`: RabbitMQ only expires the head, so a short message would wait
 * behind a long one.
 */
export const DELAY_TIERS = [
  { name: '1s', ms: 1_000 },
  { name: '5s', ms: 5_000 },
  { name: '30s', ms: 30_000 },
  { name: '5m', ms: 300_000 },
] as const;
export type DelayTier = (typeof DELAY_TIERS)[number];

/**
 * The longest tier that does not overshoot the wait (the 1 s tier for anything shorter). A nudge that comes back
 * early finds nothing due and re-schedules the rest, so long waits hop down the tiers and end within ~1 s of
 * when they are due; overshooting instead would delay a retry by up to 5× its backoff.
 */
export function delayTierFor(waitMs: number): DelayTier {
  let chosen: DelayTier = DELAY_TIERS[0];
  for (const tier of DELAY_TIERS) if (tier.ms <= waitMs) chosen = tier;
  return chosen;
}

export interface RetryLimits extends BackoffPolicy {
  maxAttempts: number;
  maxAgeMs: number;
}

/**
 * When a listing that failed `attempts` times (this failure included) may be tried again: exponential backoff
 * with full jitter, and never before the API's own Retry-After.
 */
export function retryDelayMs(
  attempts: number,
  limits: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  return Math.max(backoffDelay(Math.max(0, attempts - 1), limits, random), retryAfterMs ?? 0);
}

/** A retryable failure becomes a dead letter after too many attempts or once the change is too old to matter. */
export function retriesExhausted(attempts: number, dirtyForMs: number, limits: RetryLimits): boolean {
  return attempts >= limits.maxAttempts || dirtyForMs >= limits.maxAgeMs;
}
