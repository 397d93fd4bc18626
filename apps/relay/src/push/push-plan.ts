import { channelQuantity, resolveRule, type ChannelRule } from '@stockbridge/shared';
import {
  ChannelCallError,
  type PushBatchResult,
  type PushItemResult,
} from '../channels/adapters/channel-adapter';
import type { DueListingRow, LevelRow } from './push-rows';
import { retriesExhausted, retryDelayMs, type RetryLimits } from './retry-policy';

/**
 * What to do with one due listing, decided from the state read NOW (desired state, not messages):
 * - push: the channel should show `quantity`;
 * - unchanged: it already shows it (last push succeeded with the same figure), so no call, just mark it clean;
 * - no-level: the relay has no Odoo level for this SKU yet (agent not synced, SKU mistyped): pushing 0 would
 *   wipe stock that may exist, so nothing is pushed, the listing is marked clean with the reason in last_error,
 *   and the first level to arrive dirties it again;
 * - invalid: its per-SKU rule override is unusable; a dead letter names the field.
 */
export type ListingPlan =
  | {
      action: 'push';
      listing: DueListingRow;
      quantity: number;
      observedAt: Date | null;
      /** The poll that read the newest level behind this quantity: logs follow the change to this call. */
      correlationId: string | null;
    }
  | { action: 'unchanged'; listing: DueListingRow; quantity: number }
  | { action: 'no-level'; listing: DueListingRow }
  | { action: 'invalid'; listing: DueListingRow; code: string; message: string };
export type PushPlan = Extract<ListingPlan, { action: 'push' }>;

export const NO_LEVEL_ERROR = 'NO_LEVEL: no Odoo stock level for this SKU yet; nothing pushed';

export function planListing(listing: DueListingRow, channelRule: ChannelRule): ListingPlan {
  if (listing.ruleOverrideError !== null)
    return { action: 'invalid', listing, code: 'RULE_OVERRIDE_INVALID', message: listing.ruleOverrideError };
  if (listing.levels.length === 0) return { action: 'no-level', listing };
  const quantity = channelQuantity(listing.levels, resolveRule(channelRule, listing.ruleOverride));
  const pushedOkBefore = listing.lastPushedAt !== null && listing.lastError === null;
  if (pushedOkBefore && listing.lastPushedQuantity === quantity)
    return { action: 'unchanged', listing, quantity };
  let newest: LevelRow | undefined;
  for (const l of listing.levels)
    if ((l.observedAt?.getTime() ?? 0) > (newest?.observedAt?.getTime() ?? 0)) newest = l;
  return {
    action: 'push',
    listing,
    quantity,
    observedAt: newest?.observedAt ?? null,
    correlationId: newest?.correlationId ?? null,
  };
}

/** A call that failed as a whole (ChannelCallError or anything else the adapter threw). */
export interface CallFailure {
  retryable: boolean;
  countsAsAttempt: boolean; // throttling is the API pacing us, not this listing failing
  code: string;
  message: string;
  retryAfterMs?: number;
}

/** The adapter classifies (ChannelCallError.retryable); anything else it throws is unexpected, so retried. */
export function callFailureOf(err: unknown): CallFailure {
  if (err instanceof ChannelCallError) {
    const kind = err.kind.toUpperCase().replace('-', '_');
    return {
      retryable: err.retryable,
      countsAsAttempt: err.kind !== 'throttled',
      code: err.status === undefined ? kind : `${kind}_${err.status}`,
      message: err.message,
      retryAfterMs: err.rate?.retryAfterMs,
    };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { retryable: true, countsAsAttempt: true, code: 'ADAPTER_ERROR', message };
}

export type ItemOutcome =
  | { status: 'ok'; plan: PushPlan; quantity: number; latencyMs: number | null }
  | { status: 'retry'; plan: PushPlan; attempts: number; delayMs: number; code: string; message: string }
  | { status: 'dead'; plan: PushPlan; attempts: number; code: string; message: string };

export interface SettleContext {
  limits: RetryLimits;
  now: number; // when the API answered
  random?: () => number;
}

/**
 * Sync latency is Odoo observation → channel acceptance, but only when this push carries an observation newer
 * than the previous push: a rule change or a replay re-pushes old levels and is not a sync delay.
 */
function latencyOf(plan: PushPlan, now: number): number | null {
  if (plan.observedAt === null) return null;
  const observed = plan.observedAt.getTime();
  const lastPushed = plan.listing.lastPushedAt?.getTime() ?? null;
  if (lastPushed !== null && observed <= lastPushed) return null;
  return Math.max(0, now - observed);
}

function failed(plan: PushPlan, failure: CallFailure, ctx: SettleContext): ItemOutcome {
  const attempts = plan.listing.attempts + (failure.countsAsAttempt ? 1 : 0);
  const { code, message } = failure;
  if (!failure.retryable) return { status: 'dead', plan, attempts: Math.max(1, attempts), code, message };
  const dirtyForMs = ctx.now - (plan.listing.dirtySince?.getTime() ?? ctx.now);
  if (retriesExhausted(attempts, dirtyForMs, ctx.limits))
    return { status: 'dead', plan, attempts, code, message };
  const delayMs = retryDelayMs(Math.max(1, attempts), ctx.limits, failure.retryAfterMs, ctx.random);
  return { status: 'retry', plan, attempts, delayMs, code, message };
}

/** Turns the API's answer (or its failure) into one outcome per pushed listing; none is left without one. */
export function settleBatch(
  plans: readonly PushPlan[],
  answer: PushBatchResult | CallFailure,
  ctx: SettleContext,
): ItemOutcome[] {
  if (!('items' in answer)) return plans.map((plan) => failed(plan, answer, ctx));
  const byListing = new Map<string, PushItemResult>(answer.items.map((item) => [item.listingId, item]));
  return plans.map((plan): ItemOutcome => {
    const item = byListing.get(plan.listing.id);
    if (!item)
      return failed(
        plan,
        {
          retryable: true,
          countsAsAttempt: true,
          code: 'NO_RESULT',
          message: 'the adapter returned no result for this listing',
        },
        ctx,
      );
    if (item.ok) return { status: 'ok', plan, quantity: item.quantity, latencyMs: latencyOf(plan, ctx.now) };
    return failed(
      plan,
      {
        retryable: !item.permanent,
        countsAsAttempt: true,
        code: item.code,
        message: item.message,
        retryAfterMs: answer.rate?.retryAfterMs,
      },
      ctx,
    );
  });
}
