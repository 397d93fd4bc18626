import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RelayEnv } from '../config/relay-env';
import { isDue } from './reconcile-schedule';
import { ReconcileService } from './reconcile.service';
import { RunsRepository } from './runs.repository';

/** Scheduled runs one instance starts at most at the same time; other instances take the rest. */
const MAX_RUNS_PER_INSTANCE = 2;

/**
 * Starts scheduled reconciliations. Every instance ticks (RECONCILE_SCHEDULER_TICK_MS, 0 = off) and starts the
 * runs that are due (see reconcile-schedule.ts); the tenant's advisory lock makes sure only one instance runs a
 * tenant, and the due check is repeated under the lock, so a slot another instance just ran is not run twice.
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcileScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly env: RelayEnv,
    private readonly runs: RunsRepository,
    private readonly reconcile: ReconcileService,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.env.RECONCILE_SCHEDULER_TICK_MS;
    if (every === 0) {
      this.logger.log('scheduled reconciliation is off on this instance (RECONCILE_SCHEDULER_TICK_MS=0)');
      return;
    }
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .then(() => undefined)
        .finally(() => (this.ticking = null));
    }, every);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  /** Starts the due runs this instance has room for; returns how many it started. */
  async tick(nowMs: number = Date.now()): Promise<number> {
    let started = 0;
    try {
      const due = (await this.runs.scheduleRows()).filter((row) =>
        isDue({
          tenantId: row.tenantId,
          nowMs,
          intervalMinutes: row.intervalMinutes,
          createdAtMs: row.createdAt.getTime(),
          lastStartedAtMs: row.lastStartedAt?.getTime() ?? null,
        }),
      );
      for (const row of due) {
        if (this.stopped || this.reconcile.runningHere >= MAX_RUNS_PER_INSTANCE) break;
        if (await this.reconcile.startIfDue(row.tenantId)) started++;
      }
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0)
        this.logger.warn(`reconciliation scheduler: ${err instanceof Error ? err.message : String(err)}`);
    }
    return started;
  }
}
