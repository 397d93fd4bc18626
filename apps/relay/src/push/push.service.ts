import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { backoffDelay } from '@stockbridge/shared';
import type { ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHANNEL_ADAPTER_FACTORY, type ChannelAdapterFactory } from '../channels/adapters/adapter-factory';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { PinoLoggerService } from '../common/logging/pino-logger.service';
import { RelayEnv } from '../config/relay-env';
import { ReadinessRegistry } from '../health/readiness.registry';
import { ChannelLane, type LaneHost } from './channel-lane';
import { ChannelNudger } from './channel-nudger';
import { PushBroker, type NudgeV1 } from './push-broker';
import { deadLettersOpen, forgetChannelMetrics, pushQueueDepth } from './push.metrics';
import { PushRepository } from './push.repository';
import { PushWorker, type DrainOutcome } from './push.worker';
import { RateLimiter } from './rate-limiter';
import { delayTierFor } from './retry-policy';

/** Nudges of one channel this instance may hold unacked (each consumer's prefetch). */
const PREFETCH = 100;
/** After an unexpected pass failure (database down...), the channel is looked at again after this long. */
const ERROR_RETRY_MS = 5_000;
const RECONNECT = { baseMs: 500, maxMs: 30_000 };
/** The open dead letters gauge is a count over a table that only grows: refreshed less often than the sweep. */
const DEAD_LETTER_GAUGE_EVERY_MS = 30_000;

/**
 * The push pipeline of one relay instance: publishes nudges (ChannelNudger), consumes every channel's queue
 * (the broker makes exactly one consumer per queue active across all instances), runs the passes, and sweeps
 * for due work a lost nudge or a restart left behind. Nothing here is the source of truth: PostgreSQL holds
 * which listings are dirty, so any nudge may be lost, duplicated or late without losing an update.
 */
@Injectable()
export class PushService
  extends ChannelNudger
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, LaneHost
{
  private readonly logger = new Logger(PushService.name);
  private readonly lanes = new Map<string, ChannelLane>();
  private readonly limiter = new RateLimiter();
  private readonly worker: PushWorker;
  /** Every channel lane waits on it (rate-limit and backoff sleeps): one listener per channel is no leak. */
  private readonly stopping = withoutListenerLimit(new AbortController());
  /** channelId -> when the earliest delayed nudge we published comes back (ms epoch). */
  private readonly scheduled = new Map<string, number>();
  private broker: PushBroker | null = null;
  private connecting: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private nudgeFailures = 0;
  /** Why the broker is not connected (null while it is): what /readyz shows. */
  private brokerDown: string | null = 'RabbitMQ: not connected yet';
  private deadLettersCountedAt = 0;

  readonly coalesceMs: number;

  constructor(
    private readonly env: RelayEnv,
    private readonly repo: PushRepository,
    cipher: CredentialsCipher,
    @Inject(CHANNEL_ADAPTER_FACTORY) createAdapter: ChannelAdapterFactory,
    private readonly readiness: ReadinessRegistry,
    logger: PinoLoggerService,
  ) {
    super();
    this.coalesceMs = env.PUSH_COALESCE_MS;
    this.worker = new PushWorker({
      repo,
      limiter: this.limiter,
      limits: {
        baseMs: env.PUSH_BACKOFF_BASE_MS,
        maxMs: env.PUSH_BACKOFF_MAX_MS,
        maxAttempts: env.PUSH_MAX_ATTEMPTS,
        maxAgeMs: env.PUSH_MAX_AGE_MS,
      },
      createAdapter,
      decryptCredentials: (stored) => cipher.decrypt(stored),
      publishDeadLetters: async (letters) => {
        const broker = this.liveBroker();
        for (const letter of letters) await broker.publishDeadLetter(letter);
      },
      log: logger.pino.child({ component: 'push' }),
    });
  }

  // ---- ChannelNudger ----------------------------------------------------------------------------------------

  /**
   * One nudge per channel, after the caller committed its change. Never throws and never waits for the broker:
   * the change is durable and the sweeper finds it if this nudge is lost, so the caller's ack must not depend on it.
   */
  async nudge(channelIds: readonly string[]): Promise<void> {
    // Not awaited: the broker's confirm (a quorum write) would only delay the caller's ack for nothing.
    for (const id of new Set(channelIds)) void this.publishNudge(id, 'change');
  }

  private async publishNudge(channelId: string, reason: NudgeV1['reason']): Promise<void> {
    const lane = this.lanes.get(channelId);
    // Coalescing: a pass that has not started yet will read this change anyway.
    if (lane?.hasPendingNudge()) return;
    const messageId = randomUUID();
    lane?.notePublishing(messageId);
    try {
      await this.liveBroker().publishNudge({ channelId, reason }, messageId);
      this.nudgeFailures = 0;
      if (!lane) void this.follow(channelId); // a channel created since the last sweep
    } catch (err) {
      lane?.notePublishFailed(messageId);
      // Logged once per outage, not per nudge: the sweeper catches up when the broker is back.
      if (this.nudgeFailures++ === 0)
        this.logger.warn(
          `nudge for channel ${channelId} not published: ${String(err)}; the sweeper will catch up`,
        );
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------------------

  /** /readyz names the broker: the push connection's own state, no extra connection per probe. */
  onModuleInit(): void {
    this.readiness.register('broker', async () => {
      if (this.broker?.alive) return;
      throw new Error(this.brokerDown ?? `RabbitMQ at ${redact(this.env.AMQP_URL)} is not connected`);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      // The relay still ingests (levels are durable in PostgreSQL); pushes start once RabbitMQ answers.
      this.logger.error(
        `RabbitMQ unreachable at ${redact(this.env.AMQP_URL)}: ${String(err)}; retrying in the background`,
      );
      this.reconnectSoon();
    }
    this.scheduleSweep(0); // a restart finds what the previous run left dirty
  }

  /**
   * Stop starting passes, let each finish its in-flight batch, then close: the unacked nudges go back to their
   * queues and another instance becomes the active consumer. Consumers are NOT cancelled first: with
   * single-active-consumer that would hand the channel to another instance while our last call is still running.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await this.sweeping;
    await this.connecting?.catch(() => undefined);
    await Promise.all([...this.lanes.values()].map((lane) => lane.idle()));
    await this.broker?.close();
    this.broker = null;
  }

  private liveBroker(): PushBroker {
    if (!this.broker?.alive) throw new Error('RabbitMQ not connected');
    return this.broker;
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      try {
        const broker = await PushBroker.open(
          this.env.AMQP_URL,
          {
            onNudge: (b, channelId, msg) => this.onNudge(b, channelId, msg),
            onCancelled: (channelId) => {
              this.lanes.get(channelId)?.dropHeld();
              this.logger.log(`queue of channel ${channelId} deleted; no longer consumed`);
            },
            onLost: (err) => this.onLost(err),
          },
          PREFETCH,
        );
        if (this.stopping.signal.aborted) return void (await broker.close());
        this.broker = broker;
        this.brokerDown = null;
        this.logger.log(`push consumer connected to ${redact(this.env.AMQP_URL)}`);
        await this.syncConsumers(broker);
      } catch (err) {
        this.brokerDown = `RabbitMQ at ${redact(this.env.AMQP_URL)} is not connected (${describe(err)}); reconnecting`;
        throw err;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  private onLost(err?: Error): void {
    this.broker = null;
    this.brokerDown = `RabbitMQ at ${redact(this.env.AMQP_URL)}: connection lost${err ? ` (${err.message})` : ''}; reconnecting`;
    for (const lane of this.lanes.values()) lane.dropHeld();
    this.scheduled.clear(); // delayed nudges survive in the broker; re-publishing one is harmless
    if (!this.stopping.signal.aborted) this.reconnectSoon();
  }

  private reconnectSoon(attempt = 0): void {
    const delay = RECONNECT.baseMs + backoffDelay(attempt, RECONNECT);
    void sleep(delay, undefined, { signal: this.stopping.signal })
      .then(() => this.connect())
      .catch((err: unknown) => {
        if (this.stopping.signal.aborted) return;
        this.logger.warn(`RabbitMQ reconnect failed: ${String(err)}`);
        this.reconnectSoon(attempt + 1);
      });
  }

  // ---- consuming --------------------------------------------------------------------------------------------

  private laneOf(channelId: string): ChannelLane {
    let lane = this.lanes.get(channelId);
    if (!lane) {
      lane = new ChannelLane(channelId, this, this.stopping.signal);
      this.lanes.set(channelId, lane);
    }
    return lane;
  }

  private onNudge(broker: PushBroker, channelId: string, msg: ConsumeMessage): void {
    this.laneOf(channelId).deliver(broker, msg);
  }

  /** Joins a channel's queue (declaring it): every instance consumes every channel; one is active per queue. */
  private async follow(channelId: string): Promise<void> {
    const broker = this.broker;
    if (!broker?.alive || this.stopping.signal.aborted) return;
    this.laneOf(channelId);
    try {
      await broker.consume(channelId);
    } catch (err) {
      this.logger.warn(`cannot consume the queue of channel ${channelId}: ${String(err)}`);
    }
  }

  /** Follows new channels and drops deleted ones (their queues too). */
  private async syncConsumers(broker: PushBroker): Promise<void> {
    const listedAt = Date.now();
    const ids = new Set(await this.repo.allChannelIds());
    for (const id of ids) if (!broker.isConsuming(id)) await this.follow(id);
    for (const [id, lane] of this.lanes) {
      if (ids.has(id) || lane.createdAt >= listedAt) continue; // a lane newer than the list: a channel just created
      await lane.idle();
      this.lanes.delete(id);
      this.limiter.forget(id);
      this.scheduled.delete(id);
      forgetChannelMetrics(id);
      await broker
        .deleteChannelQueue(id)
        .catch((err: unknown) => this.logger.warn(`queue of deleted channel ${id}: ${String(err)}`));
    }
  }

  drain(channelId: string, stop: AbortSignal): Promise<DrainOutcome> {
    return this.worker.drain(channelId, stop);
  }

  /** After a pass: bring the channel back when its retries or its rate limit come due. */
  async followUp(channelId: string, outcome: DrainOutcome | 'error'): Promise<void> {
    const waitMs =
      outcome === 'error'
        ? ERROR_RETRY_MS
        : outcome.kind === 'done'
          ? outcome.nextDueMs
          : outcome.kind === 'blocked' || outcome.kind === 'deferred'
            ? outcome.waitMs
            : null;
    if (waitMs === null) return;
    if (waitMs <= 0) return this.publishNudge(channelId, 'follow-up');
    const now = Date.now();
    const known = this.scheduled.get(channelId);
    if (known !== undefined && known > now && known <= now + waitMs) return; // one already comes back in time
    const tier = delayTierFor(waitMs);
    await this.liveBroker().publishDelayed({ channelId, reason: 'retry' }, tier);
    const arrival = now + tier.ms;
    this.scheduled.set(channelId, known !== undefined && known > now ? Math.min(known, arrival) : arrival);
  }

  // ---- sweeper ----------------------------------------------------------------------------------------------

  private scheduleSweep(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.sweepTimer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = null;
        this.scheduleSweep(this.env.PUSH_SWEEP_INTERVAL_MS);
      });
    }, delayMs);
    this.sweepTimer.unref();
  }

  /**
   * Every few seconds: follow new channels, nudge channels with due dirty listings (a nudge lost between commit
   * and publish, a crash, a restart) and publish the backlog gauge.
   */
  private async sweep(): Promise<void> {
    try {
      const broker = this.broker;
      if (broker?.alive) await this.syncConsumers(broker);
      const due = await this.repo.dueChannelIds();
      if (broker?.alive) await Promise.all(due.map((id) => this.publishNudge(id, 'sweep')));
      for (const [kind, n] of await this.repo.backlogByKind()) pushQueueDepth.set({ kind }, n);
      if (Date.now() - this.deadLettersCountedAt >= DEAD_LETTER_GAUGE_EVERY_MS) {
        for (const [kind, n] of await this.repo.openDeadLettersByKind()) deadLettersOpen.set({ kind }, n);
        this.deadLettersCountedAt = Date.now();
      }
    } catch (err) {
      if (!this.stopping.signal.aborted) this.logger.warn(`push sweep failed: ${String(err)}`);
    }
  }
}

/** An amqplib failure in a few words: the socket error code (ECONNREFUSED...) or the message. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return err instanceof Error ? err.message : String(err);
}

/** The AMQP URL without its password, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '(unparseable AMQP_URL)';
  }
}

function withoutListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
