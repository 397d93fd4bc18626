import { Logger } from '@nestjs/common';
import { correlationFields } from '@stockbridge/shared';
import { randomUUID } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import {
  ChannelCallError,
  type ChannelAdapter,
  type ChannelConnection,
  type PushBatchResult,
} from '../channels/adapters/channel-adapter';
import {
  callFailureOf,
  planListing,
  settleBatch,
  type CallFailure,
  type ItemOutcome,
  type PushPlan,
} from './push-plan';
import { deadLetters, observeSyncLatency, pushCalls, pushItems, recordPushOutcomes } from './push.metrics';
import type { DeadLetterMessageV1, PushRepository } from './push.repository';
import type { PushChannelRow } from './push-rows';
import type { RateLimiter } from './rate-limiter';
import type { RetryLimits } from './retry-policy';

/** Longer rate-limit waits are not slept through: the nudge goes to a delay tier and the delivery is acked. */
export const MAX_INLINE_WAIT_MS = 1_000;
/** One API call may take this long before it counts as a (retryable) timeout. */
const CALL_TIMEOUT_MS = 30_000;
/** How long a channel whose settings are unusable waits before the next try (its listings show why). */
const MISCONFIGURED_RETRY_MS = 60_000;

const STATUS_OF = { unchanged: 'unchanged', 'no-level': 'no_level', invalid: 'dead' } as const;

export type DrainOutcome =
  | { kind: 'done'; nextDueMs: number | null } // nothing due left; retries wait nextDueMs
  | { kind: 'blocked'; waitMs: number } // the account's rate limit says wait: come back later
  | { kind: 'deferred'; waitMs: number } // the channel's settings are unusable; reason in last_error
  | { kind: 'paused' }
  | { kind: 'gone' }
  | { kind: 'stopped' }; // the relay is shutting down; the rest stays dirty for whoever comes next

export interface PushWorkerDeps {
  repo: PushRepository;
  limiter: RateLimiter;
  limits: RetryLimits;
  createAdapter: (conn: ChannelConnection) => ChannelAdapter;
  decryptCredentials: (stored: string) => Record<string, string>;
  publishDeadLetters: (letters: DeadLetterMessageV1[]) => Promise<void>;
  /** Structured lines: one per call at info, one per item at debug, each with the correlation id of its change. */
  log: PinoLogger;
}

/**
 * Drains one channel: pushes the CURRENT desired quantity of every due dirty listing, batch by batch up to the
 * adapter's limit, paced by the account's token bucket. Runs only where this instance is the channel queue's
 * single active consumer, so one worker at a time writes to a channel account.
 */
export class PushWorker {
  private readonly logger = new Logger(PushWorker.name);

  constructor(private readonly deps: PushWorkerDeps) {}

  async drain(channelId: string, stop: AbortSignal): Promise<DrainOutcome> {
    const { repo } = this.deps;
    const loaded = await repo.loadChannel(channelId);
    if (loaded === null) return { kind: 'gone' };
    if (!loaded.ok) return this.defer(channelId, `channel settings unusable: ${loaded.reason}`);
    const channel = loaded.value;
    if (channel.paused) return { kind: 'paused' };
    let adapter: ChannelAdapter;
    try {
      adapter = this.adapterFor(channel);
    } catch (err) {
      return this.defer(
        channelId,
        `channel adapter unavailable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const bucket = this.deps.limiter.bucket(channel.id, adapter.defaultRate);
    const batchSize = Math.max(1, adapter.maxBatchSize);
    const passStart = await repo.dbNow();
    const seen = new Set<string>();

    for (;;) {
      if (stop.aborted) return { kind: 'stopped' };
      const rows = await repo.selectDue(channel, passStart, batchSize);
      if (rows.length === 0) break;
      if (rows.some((r) => seen.has(r.id))) {
        // Cannot happen while settle() moves every listing out of the pass; guards against a loop if it did.
        this.logger.error(`channel ${channel.id}: a listing came back within one pass; ending the pass`);
        break;
      }
      for (const r of rows) seen.add(r.id);

      const plans = rows.map((r) => planListing(r, channel.rule));
      await this.publishDeadLetters(channel, await repo.settleWithoutCall(channel, plans));
      for (const p of plans)
        if (p.action !== 'push') pushItems.inc({ kind: channel.kind, status: STATUS_OF[p.action] });

      const toPush = plans.filter((p): p is PushPlan => p.action === 'push');
      if (toPush.length > 0) {
        let wait = bucket.waitMs();
        if (wait > MAX_INLINE_WAIT_MS) return { kind: 'blocked', waitMs: wait };
        if (wait > 0) {
          await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
          if (stop.aborted) return { kind: 'stopped' };
          wait = bucket.waitMs();
          if (wait > MAX_INLINE_WAIT_MS) return { kind: 'blocked', waitMs: wait };
        }
        await this.pushBatch(channel, adapter, toPush);
      }
      if (rows.length < batchSize) break;
      await yieldToLoop(); // other channels' lanes get their turn between batches
    }
    return { kind: 'done', nextDueMs: await repo.nextDueInMs(channel.id, passStart) };
  }

  private adapterFor(channel: PushChannelRow): ChannelAdapter {
    const credentials =
      channel.credentialsEncrypted === null ? {} : this.deps.decryptCredentials(channel.credentialsEncrypted);
    return this.deps.createAdapter({ kind: channel.kind, config: channel.config, credentials });
  }

  private async defer(channelId: string, reason: string): Promise<DrainOutcome> {
    this.logger.error(`channel ${channelId}: ${reason}; its listings wait ${MISCONFIGURED_RETRY_MS / 1000}s`);
    await this.deps.repo.deferChannel(channelId, MISCONFIGURED_RETRY_MS, reason);
    return { kind: 'deferred', waitMs: MISCONFIGURED_RETRY_MS };
  }

  /** One API call for one batch, then its outcomes recorded in one transaction. */
  private async pushBatch(
    channel: PushChannelRow,
    adapter: ChannelAdapter,
    plans: PushPlan[],
  ): Promise<void> {
    const bucket = this.deps.limiter.bucket(channel.id, adapter.defaultRate);
    const updates = plans.map((p) => ({
      target: {
        listingId: p.listing.id,
        sku: p.listing.sku,
        externalId: p.listing.externalId,
        extra: p.listing.extra,
      },
      quantity: p.quantity,
    }));
    bucket.take();
    const started = Date.now();
    let answer: PushBatchResult | CallFailure;
    try {
      answer = await adapter.pushQuantities(updates, {
        idempotencyKey: randomUUID(),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      bucket.observe(answer.rate);
    } catch (err) {
      if (err instanceof ChannelCallError && err.kind === 'throttled') bucket.throttled(err.rate);
      else if (err instanceof ChannelCallError) bucket.observe(err.rate);
      answer = callFailureOf(err);
      const level = answer.retryable ? 'warn' : 'error';
      this.logger[level](
        `channel ${channel.id} (${channel.kind}): push of ${plans.length} failed: ${answer.code}: ${answer.message}`,
      );
    }
    const now = Date.now();
    const outcomes = settleBatch(plans, answer, { limits: this.deps.limits, now });
    const letters = await this.deps.repo.recordOutcomes(channel, outcomes, now - started);
    this.count(channel, answer, outcomes);
    this.logCall(channel, answer, outcomes, now - started);
    await this.publishDeadLetters(channel, letters);
  }

  /** After the outcomes are recorded: what the channel now shows is durable, the log line may say so. */
  private logCall(
    channel: PushChannelRow,
    answer: PushBatchResult | CallFailure,
    outcomes: ItemOutcome[],
    ms: number,
  ): void {
    const { log } = this.deps;
    const where = { tenantId: channel.tenantId, channelId: channel.id, channelKind: channel.kind };
    const tally = { ok: 0, retry: 0, dead: 0 };
    for (const o of outcomes) tally[o.status]++;
    log.info(
      {
        ...where,
        items: outcomes.length,
        ...tally,
        ms,
        ...('items' in answer ? {} : { error: answer.code }),
        ...correlationFields(outcomes.map((o) => o.plan)),
      },
      `${channel.kind} call for ${outcomes.length} listing${outcomes.length === 1 ? '' : 's'}: ${tally.ok} ok, ${tally.retry} retry, ${tally.dead} dead`,
    );
    if (!log.isLevelEnabled('debug')) return; // per item: only when asked for, this is the hot path
    for (const o of outcomes)
      log.debug(
        {
          ...where,
          correlationId: o.plan.correlationId,
          sku: o.plan.listing.sku,
          listingId: o.plan.listing.id,
          quantity: o.plan.quantity,
          status: o.status,
          ...(o.status === 'ok' ? { latencyMs: o.latencyMs } : { error: `${o.code}: ${o.message}` }),
        },
        `${channel.kind} ${o.plan.listing.sku} = ${o.plan.quantity}: ${o.status}`,
      );
  }

  private count(
    channel: PushChannelRow,
    answer: PushBatchResult | CallFailure,
    outcomes: ItemOutcome[],
  ): void {
    const kind = channel.kind;
    pushCalls.inc({ kind, outcome: 'items' in answer ? 'ok' : answer.retryable ? 'retryable' : 'permanent' });
    let ok = 0;
    for (const o of outcomes) {
      pushItems.inc({ kind, status: o.status });
      if (o.status !== 'ok') continue;
      ok++;
      if (o.latencyMs !== null) observeSyncLatency(kind, channel.id, o.latencyMs / 1000);
    }
    recordPushOutcomes(kind, ok, outcomes.length - ok);
  }

  private async publishDeadLetters(channel: PushChannelRow, letters: DeadLetterMessageV1[]): Promise<void> {
    if (letters.length === 0) return;
    deadLetters.inc({ kind: channel.kind }, letters.length);
    for (const l of letters)
      this.logger.warn(
        `dead letter ${l.deadLetterId}: ${channel.kind} ${l.sku} → ${l.errorCode}: ${l.errorMessage}`,
      );
    try {
      await this.deps.publishDeadLetters(letters);
    } catch (err) {
      // dead_letters already holds them (committed); the queue message is the alert, not the record.
      this.logger.error(
        `push.dlq publish failed for ${letters.length} dead letters (kept in dead_letters): ${String(err)}`,
      );
    }
  }
}
