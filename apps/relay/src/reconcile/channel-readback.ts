import { channelQuantity, resolveRule, type ChannelRule } from '@stockbridge/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChannelCallError,
  type ChannelAdapter,
  type ListingTarget,
} from '../channels/adapters/channel-adapter';
import { retryDelayMs } from '../push/retry-policy';
import type { ReadbackListing, ReadbackRepository, Remark } from './readback.repository';

/**
 * What the read-back concludes about one listing:
 * - skip: not judged (a push is pending anyway, no Odoo level to compute from, or an unusable rule override);
 * - ok: the channel shows what it should;
 * - missing: the channel does not list it (deleted there, or not stocked at the location): reported, not pushed;
 * - drift: it shows something else (a manual edit, a lost push; Infinity is WooCommerce's unmanaged stock);
 * - zero-resend: it should show 0, does, but the 0 was last pushed longer ago than the tenant's zero re-send age.
 */
export type Verdict =
  | { kind: 'skip' }
  | { kind: 'ok'; desired: number }
  | { kind: 'missing'; desired: number }
  | { kind: 'drift'; desired: number; live: number }
  | { kind: 'zero-resend' };

/** The quantity a listing should show now, or null when it cannot be judged (see Verdict.skip). */
export function desiredQuantity(listing: ReadbackListing, channelRule: ChannelRule): number | null {
  if (listing.dirtySeq !== listing.pushedSeq || listing.levels.length === 0 || !listing.ruleOverride.ok)
    return null;
  return channelQuantity(listing.levels, resolveRule(channelRule, listing.ruleOverride.value));
}

export function judge(
  desired: number | null,
  live: number | null | undefined,
  lastPushedAt: Date | null,
  zeroResendBefore: Date,
): Verdict {
  if (desired === null || live === undefined) return { kind: 'skip' };
  if (live === null) return { kind: 'missing', desired };
  if (live !== desired) return { kind: 'drift', desired, live };
  if (desired === 0 && lastPushedAt !== null && lastPushedAt < zeroResendBefore)
    return { kind: 'zero-resend' };
  return { kind: 'ok', desired };
}

export interface ChannelReadbackResult {
  listingsChecked: number;
  corrections: number; // drifting listings marked for a push
  zeroResends: number;
  missing: string[]; // SKUs the channel does not list
  examples: string[]; // a few drifts, "SKU: shows 3, should show 5", for the log
}

export interface ChannelReadbackInput {
  channelId: string;
  tenantId: string;
  rule: ChannelRule;
  adapter: ChannelAdapter;
  repo: Pick<ReadbackRepository, 'page' | 'markForPush'>;
  zeroResendBefore: Date;
  /** Listings per readQuantities call (the adapter splits it into API-sized requests). */
  pageSize: number;
  /** Pages being judged at the same time (reads in flight against the channel). Default 1. */
  concurrency?: number;
  signal: AbortSignal;
}

/** Tries a read again when the API paces us or fails transiently; auth, validation and not-found fail at once. */
const READ_ATTEMPTS = 5;
const READ_BACKOFF = { baseMs: 500, maxMs: 10_000 };
/** Longer than this, a channel's "retry after" is not waited for: the run holds the tenant's lock meanwhile. */
export const MAX_READ_WAIT_MS = 60_000;

async function readWithRetry(
  adapter: ChannelAdapter,
  targets: ListingTarget[],
  signal: AbortSignal,
): Promise<Map<string, number | null>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await adapter.readQuantities(targets);
    } catch (err) {
      const retryable = err instanceof ChannelCallError ? err.retryable : false;
      if (!retryable || attempt + 1 >= READ_ATTEMPTS || signal.aborted) throw err;
      const hinted = err instanceof ChannelCallError ? err.rate?.retryAfterMs : undefined;
      if (hinted !== undefined && hinted > MAX_READ_WAIT_MS)
        throw new Error(
          `the channel asks to wait ${Math.ceil(hinted / 1000)} s before reading again; the next run reads it back`,
          { cause: err },
        );
      await sleep(retryDelayMs(attempt + 1, READ_BACKOFF, hinted), undefined, { signal });
    }
  }
}

/**
 * Reads back what one channel shows for all its listings, page by page, and marks the ones that drifted (and the
 * zeros due for a re-send) dirty: the push pipeline then sends the current desired quantity, with its batching,
 * rate limits and retries. Throws when the channel cannot be read; what was found until then is in `result`.
 */
export async function readBackChannel(
  input: ChannelReadbackInput,
  result: ChannelReadbackResult = {
    listingsChecked: 0,
    corrections: 0,
    zeroResends: 0,
    missing: [],
    examples: [],
  },
): Promise<ChannelReadbackResult> {
  // Pages are read from the database one after the other and judged a few at a time: the channel's answer for
  // one page overlaps the database work for the next.
  const running = new Set<Promise<void>>();
  const failures: unknown[] = [];
  const judgePage = (page: ReadbackListing[]): void => {
    const task = judgeAndMark(input, page, result)
      .catch((err: unknown) => void failures.push(err))
      .finally(() => running.delete(task));
    running.add(task);
  };
  for (let afterSku: string | null = null; failures.length === 0;) {
    if (input.signal.aborted) failures.push(new Error('reconciliation stopped'));
    else {
      const page = await input.repo.page(input.channelId, input.tenantId, afterSku, input.pageSize);
      const last = page.at(-1);
      if (!last) break;
      afterSku = last.sku;
      judgePage(page);
      if (page.length < input.pageSize) break;
    }
    while (running.size >= (input.concurrency ?? 1)) await Promise.race(running);
  }
  await Promise.all(running);
  if (failures.length > 0) throw failures[0];
  return result;
}

async function judgeAndMark(
  input: ChannelReadbackInput,
  page: ReadbackListing[],
  result: ChannelReadbackResult,
): Promise<void> {
  const desired = new Map(page.map((l) => [l.id, desiredQuantity(l, input.rule)]));
  const targets: ListingTarget[] = page
    .filter((l) => desired.get(l.id) !== null)
    .map((l) => ({ listingId: l.id, sku: l.sku, externalId: l.externalId, extra: l.extra }));
  if (targets.length === 0) return;
  const live = await readWithRetry(input.adapter, targets, input.signal);
  const drift: Remark[] = [];
  const zero: Remark[] = [];
  for (const listing of page) {
    const verdict = judge(
      desired.get(listing.id) ?? null,
      live.get(listing.id),
      listing.lastPushedAt,
      input.zeroResendBefore,
    );
    const remark = { id: listing.id, dirtySeq: listing.dirtySeq, pushedSeq: listing.pushedSeq };
    switch (verdict.kind) {
      case 'skip':
        continue;
      case 'drift':
        drift.push(remark);
        if (result.examples.length < 5)
          result.examples.push(`${listing.sku}: shows ${verdict.live}, should show ${verdict.desired}`);
        break;
      case 'zero-resend':
        zero.push(remark);
        break;
      case 'missing':
        result.missing.push(listing.sku);
        break;
      case 'ok':
        break;
    }
    result.listingsChecked++;
  }
  // Awaited first, then added: `x += await y` would read x before the wait and lose a concurrent page's count.
  const corrected = await input.repo.markForPush(input.channelId, drift);
  const resent = await input.repo.markForPush(input.channelId, zero);
  result.corrections += corrected.size;
  result.zeroResends += resent.size;
}
