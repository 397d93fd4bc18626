import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { MAX_EVENTS_PER_FRAME, type LevelEventV1 } from '@stockbridge/shared';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AgentsService } from '../agents/agents.service';
import { CHANNEL_ADAPTER_FACTORY, type ChannelAdapterFactory } from '../channels/adapters/adapter-factory';
import { ChannelsService } from '../channels/channels.service';
import type { ChannelEntity } from '../channels/entities/channel.entity';
import { DomainError } from '../common/errors/domain-error';
import { RelayEnv } from '../config/relay-env';
import { InventoryService } from '../inventory/inventory.service';
import { ChannelNudger } from '../push/channel-nudger';
import { parseChannelRule } from '../push/push-rows';
import { readBackChannel, type ChannelReadbackResult } from './channel-readback';
import type { ReconciliationRunEntity, RunTrigger } from './entities/reconciliation-run.entity';
import { ReadbackRepository } from './readback.repository';
import { isDue } from './reconcile-schedule';
import {
  reconcileCorrections,
  reconcileCorrectionsRatio,
  reconcileRuns,
  reconcileZeroResends,
} from './reconcile.metrics';
import { correctionsRatio, RunsRepository, type RunOutcome } from './runs.repository';
import { SnapshotDispatcher } from './snapshot-dispatcher.service';
import {
  SnapshotsRepository,
  type AbsentLevel,
  type SnapshotRow,
  type StagedLevel,
} from './snapshots.repository';
import { TenantLock } from './tenant-lock';

/** How often a run looks at its snapshots' progress while it waits. */
const WAIT_POLL_MS = 200;
/** A snapshot that needed more attempts than this (its connection kept dropping) is given up. */
const MAX_SNAPSHOT_ATTEMPTS = 20;
/** Listings per read-back page (adapters split a page into API-sized requests). */
const READBACK_PAGE = 500;
/** Channels of one tenant read back at the same time, and pages of one channel in flight. */
const READBACK_CONCURRENCY = 3;
const READBACK_PAGES_IN_FLIGHT = 8;
const ABANDONED = 'the relay instance running it stopped before it finished';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Reconciliation of one tenant (layer 2), under the tenant's advisory lock:
 * 1. every connected agent streams a snapshot of Odoo (see snapshot-frames.ts); the relay compares it with its
 *    levels: differing levels are applied through the inventory (version guard, event log, dirty listings), and
 *    levels the snapshot no longer lists go inactive, so channels show 0;
 * 2. every channel that is not paused is read back through its adapter; listings showing something else than
 *    they should, and zeros older than the tenant's re-send age, are marked for the push pipeline to correct;
 * 3. the run is stored with what was checked and corrected, and the corrections ratio (the KPI).
 */
@Injectable()
export class ReconcileService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcileService.name);
  private readonly active = new Map<string, { done: Promise<void>; abort: AbortController }>();
  private stopping = false;

  constructor(
    private readonly env: RelayEnv,
    private readonly db: DataSource,
    private readonly runs: RunsRepository,
    private readonly snapshots: SnapshotsRepository,
    private readonly readback: ReadbackRepository,
    private readonly dispatcher: SnapshotDispatcher,
    private readonly agents: AgentsService,
    private readonly channels: ChannelsService,
    private readonly inventory: InventoryService,
    private readonly nudger: ChannelNudger,
    @Inject(CHANNEL_ADAPTER_FACTORY) private readonly createAdapter: ChannelAdapterFactory,
  ) {}

  /** Runs on this instance right now. */
  get runningHere(): number {
    return this.active.size;
  }

  /** Starts a run now (the API). Resolves once it is recorded; the work goes on in the background. */
  async start(tenantId: string, trigger: RunTrigger = 'api'): Promise<ReconciliationRunEntity> {
    const run = await this.startLocked(tenantId, trigger, () => Promise.resolve(true));
    if (run) return run;
    const running = await this.runs.running(tenantId);
    throw new DomainError(
      'RECONCILIATION_RUNNING',
      `A reconciliation of tenant ${tenantId} is already running${running ? ` (run ${running.id})` : ''}; wait for it to finish`,
    );
  }

  /** The scheduler: starts a run if the tenant is still due once its lock is ours (another instance may have run it). */
  async startIfDue(tenantId: string): Promise<ReconciliationRunEntity | null> {
    return this.startLocked(tenantId, 'schedule', async () => {
      const [row] = await this.runs.scheduleRows(tenantId);
      return (
        row !== undefined &&
        isDue({
          tenantId,
          nowMs: Date.now(),
          intervalMinutes: row.intervalMinutes,
          createdAtMs: row.createdAt.getTime(),
          lastStartedAtMs: row.lastStartedAt?.getTime() ?? null,
        })
      );
    });
  }

  private async startLocked(
    tenantId: string,
    trigger: RunTrigger,
    stillWanted: () => Promise<boolean>,
  ): Promise<ReconciliationRunEntity | null> {
    if (this.stopping) throw new Error('the relay is stopping: no new reconciliation');
    const lock = await TenantLock.tryAcquire(this.db, tenantId);
    if (!lock) return null;
    try {
      // We hold the lock: a run still marked running was left by an instance that stopped mid-run.
      const abandoned = await this.runs.abandonRunning(tenantId, ABANDONED);
      await this.snapshots.abandonOfRuns(abandoned, `the run was abandoned: ${ABANDONED}`);
      if (!(await stillWanted())) {
        await lock.release();
        return null;
      }
      const run = await this.runs.create(tenantId, trigger);
      this.launch(run, lock);
      return run;
    } catch (err) {
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  private launch(run: ReconciliationRunEntity, lock: TenantLock): void {
    const abort = new AbortController();
    const done = this.execute(run, abort.signal)
      .catch((err: unknown) =>
        this.logger.error(`reconciliation run ${run.id} could not be recorded: ${message(err)}`),
      )
      .finally(async () => {
        this.active.delete(run.id);
        await lock
          .release()
          .catch((err: unknown) =>
            this.logger.warn(`reconciliation lock of tenant ${run.tenantId} not released: ${message(err)}`),
          );
      });
    this.active.set(run.id, { done, abort });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const { abort } of this.active.values()) abort.abort();
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async execute(run: ReconciliationRunEntity, signal: AbortSignal): Promise<void> {
    const outcome: RunOutcome = {
      productsChecked: 0,
      levelsChecked: 0,
      listingsChecked: 0,
      relayCorrections: 0,
      channelCorrections: {},
      zeroResends: {},
      errors: [],
    };
    this.logger.log(`reconciliation run ${run.id} of tenant ${run.tenantId} started (${run.trigger})`);
    try {
      await this.reconcileLevels(run, outcome, signal);
      if (signal.aborted) throw new Error('the relay instance is stopping');
      await this.readBackChannels(run, outcome, signal);
      if (signal.aborted) throw new Error('the relay instance is stopping');
    } catch (err) {
      outcome.errors.push(`run stopped: ${message(err)}`);
    }
    const status = outcome.errors.length === 0 ? 'ok' : 'failed';
    await this.runs.finish(run, status, outcome);
    const channel = Object.values(outcome.channelCorrections).reduce((a, b) => a + b, 0);
    reconcileRuns.inc({ status });
    reconcileCorrections.inc({ where: 'relay' }, outcome.relayCorrections);
    reconcileCorrections.inc({ where: 'channel' }, channel);
    reconcileZeroResends.inc(Object.values(outcome.zeroResends).reduce((a, b) => a + b, 0));
    const ratio = correctionsRatio(outcome);
    if (ratio !== null) reconcileCorrectionsRatio.set({ tenant: run.tenantId }, ratio);
    const line =
      `reconciliation run ${run.id} of tenant ${run.tenantId} ${status}: ${outcome.levelsChecked} levels and ` +
      `${outcome.listingsChecked} listings checked, ${outcome.relayCorrections} relay and ${channel} channel corrections` +
      (outcome.errors.length > 0 ? `; ${outcome.errors.join('; ')}` : '');
    if (status === 'ok') this.logger.log(line);
    else this.logger.warn(line);
  }

  // ---- 1. Odoo snapshot vs relay levels ---------------------------------------------------------------------

  private async reconcileLevels(
    run: ReconciliationRunEntity,
    outcome: RunOutcome,
    signal: AbortSignal,
  ): Promise<void> {
    const agents = (await this.agents.list(run.tenantId)).filter((a) => a.revokedAt === null);
    const names = new Map(agents.map((a) => [a.id, a.name]));
    for (const agent of agents.filter((a) => !a.connected))
      outcome.errors.push(
        `agent ${agent.name} (${agent.id}) is not connected: its Odoo levels were not compared`,
      );
    const connected = agents.filter((a) => a.connected).map((a) => a.id);
    if (connected.length === 0) return;
    const timeoutMs = this.env.RECONCILE_SNAPSHOT_TIMEOUT_MS;
    await this.snapshots.create(
      run.id,
      run.tenantId,
      connected,
      this.env.RECONCILE_SNAPSHOT_PAGE_SIZE,
      2 * timeoutMs,
    );
    await this.dispatcher.dispatch(connected); // agents connected here get the command now, others within a second
    const final = await this.waitForSnapshots(run, signal);
    try {
      for (const snapshot of final) {
        const who = `agent ${names.get(snapshot.agentId) ?? '?'} (${snapshot.agentId})`;
        if (snapshot.status !== 'complete') {
          outcome.errors.push(`${who}: snapshot ${snapshot.status}: ${snapshot.error ?? 'not finished'}`);
          continue;
        }
        if (signal.aborted) return;
        await this.applySnapshot(run, snapshot, outcome, who);
      }
    } finally {
      await this.snapshots.dropStaged(final.map((s) => s.id));
    }
  }

  /** Until every snapshot of the run is complete or failed; keeps them alive and gives up the stalled ones. */
  private async waitForSnapshots(run: ReconciliationRunEntity, signal: AbortSignal): Promise<SnapshotRow[]> {
    const timeoutMs = this.env.RECONCILE_SNAPSHOT_TIMEOUT_MS;
    for (;;) {
      await this.snapshots.failStalled(run.id, timeoutMs, MAX_SNAPSHOT_ATTEMPTS);
      const rows = await this.snapshots.renew(run.id, 2 * timeoutMs);
      const open = rows.filter((r) => r.status === 'requested' || r.status === 'streaming');
      if (open.length === 0) return rows;
      if (signal.aborted) {
        for (const r of open)
          await this.snapshots.fail(r.id, 'the relay instance running the reconciliation stopped');
        return this.snapshots.ofRun(run.id);
      }
      await sleep(WAIT_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  private async applySnapshot(
    run: ReconciliationRunEntity,
    snapshot: SnapshotRow,
    outcome: RunOutcome,
    who: string,
  ): Promise<void> {
    const { levels: staged, products: listedProducts } = await this.snapshots.stagedCounts(snapshot.id);
    if (staged !== snapshot.levels) {
      // The staging table is UNLOGGED: a database crash empties it. Comparing with a partial list would take
      // every missing level for an archived product.
      outcome.errors.push(
        `${who}: the stored snapshot holds ${staged} of its ${snapshot.levels} levels (database restarted?); not compared`,
      );
      return;
    }
    const agent = { tenantId: run.tenantId, agentId: snapshot.agentId };
    const differing = await this.snapshots.differing(snapshot);
    const absent = await this.snapshots.absent(snapshot);
    let frame = 0;
    const apply = async (events: LevelEventV1[]): Promise<number> => {
      let changed = 0;
      for (const part of chunked(events, MAX_EVENTS_PER_FRAME)) {
        const applied = await this.inventory.applyFrame(agent, {
          frameId: `reconcile-${run.id}-${++frame}`,
          events: part,
        });
        changed += applied.levelsChanged;
      }
      return changed;
    };
    const corrections =
      (await apply(differing.map(stagedEvent))) +
      (await apply(absent.map((a) => absentEvent(a, snapshot, run.id))));
    outcome.relayCorrections += corrections;
    outcome.levelsChecked += staged + absent.length;
    outcome.productsChecked +=
      listedProducts + new Set(absent.filter((a) => !a.productListed).map((a) => a.productId)).size;
    if (corrections > 0)
      this.logger.log(
        `reconciliation run ${run.id}: ${who}: ${corrections} relay level(s) corrected from Odoo ` +
          `(${differing.length} differing, ${absent.length} no longer listed)`,
      );
  }

  // ---- 2. channel read-back ---------------------------------------------------------------------------------

  private async readBackChannels(
    run: ReconciliationRunEntity,
    outcome: RunOutcome,
    signal: AbortSignal,
  ): Promise<void> {
    const settings = await this.runs.settings(run.tenantId);
    const zeroResendBefore = new Date(Date.now() - settings.zeroResendAgeMinutes * 60_000);
    const queue = (await this.channels.list(run.tenantId)).filter((c) => !c.paused);
    const worker = async (): Promise<void> => {
      for (let channel = queue.shift(); channel && !signal.aborted; channel = queue.shift())
        await this.readBackOne(channel, zeroResendBefore, outcome, signal);
    };
    await Promise.all(Array.from({ length: READBACK_CONCURRENCY }, worker));
  }

  private async readBackOne(
    channel: ChannelEntity,
    zeroResendBefore: Date,
    outcome: RunOutcome,
    signal: AbortSignal,
  ): Promise<void> {
    const result: ChannelReadbackResult = {
      listingsChecked: 0,
      corrections: 0,
      zeroResends: 0,
      missing: [],
      examples: [],
    };
    const where = `channel ${channel.name} (${channel.kind}, ${channel.id})`;
    try {
      const rule = parseChannelRule(channel.rule, 'channel.rule');
      if (!rule.ok) throw new Error(`its rule is unusable (${rule.reason})`);
      const adapter = this.createAdapter(await this.channels.getConnection(channel.tenantId, channel.id));
      await readBackChannel(
        {
          channelId: channel.id,
          tenantId: channel.tenantId,
          rule: rule.value,
          adapter,
          repo: this.readback,
          zeroResendBefore,
          pageSize: READBACK_PAGE,
          concurrency: READBACK_PAGES_IN_FLIGHT,
          signal,
        },
        result,
      );
    } catch (err) {
      outcome.errors.push(`${where}: not read back completely: ${message(err)}`);
    } finally {
      outcome.listingsChecked += result.listingsChecked;
      outcome.channelCorrections[channel.id] = result.corrections;
      outcome.zeroResends[channel.id] = result.zeroResends;
      if (result.missing.length > 0) {
        const some = result.missing.slice(0, 10).join(', ');
        outcome.errors.push(
          `${where}: ${result.missing.length} listing(s) not found on the channel (${some}${result.missing.length > 10 ? ', ...' : ''}): fix or remove their mapping`,
        );
      }
      if (result.corrections > 0)
        this.logger.log(
          `${where}: ${result.corrections} listing(s) drifted, pushing again: ${result.examples.join('; ')}`,
        );
      if (result.corrections + result.zeroResends > 0) await this.nudge(channel.id);
    }
  }

  private async nudge(channelId: string): Promise<void> {
    try {
      await this.nudger.nudge([channelId]);
    } catch (err) {
      this.logger.warn(
        `nudging channel ${channelId} failed (${message(err)}); the push sweeper will find its listings`,
      );
    }
  }
}

/** A differing snapshot level as an event for the inventory: its own id, version and reading. */
function stagedEvent(l: StagedLevel): LevelEventV1 {
  return {
    eventId: l.eventId,
    productId: l.productId,
    sku: l.sku,
    barcode: l.barcode,
    warehouse: l.warehouse,
    onHand: l.onHand,
    free: l.free,
    forecast: l.forecast,
    active: true,
    version: l.version,
    observedAt: l.observedAt.toISOString(),
    correlationId: l.correlationId,
  };
}

/**
 * A level the snapshot no longer lists goes inactive at the snapshot's cutoff version: newer than the level it
 * replaces (only older ones are absent), older than anything the agent publishes after the snapshot began.
 */
function absentEvent(a: AbsentLevel, snapshot: SnapshotRow, runId: string): LevelEventV1 {
  return {
    eventId: randomUUID(),
    productId: a.productId,
    sku: a.sku,
    barcode: a.barcode,
    warehouse: a.warehouse,
    onHand: 0,
    free: 0,
    forecast: 0,
    active: false,
    version: snapshot.cutoffVersion ?? 0,
    observedAt: (snapshot.begunAt ?? new Date()).toISOString(),
    correlationId: `reconcile-${runId}`,
  };
}
