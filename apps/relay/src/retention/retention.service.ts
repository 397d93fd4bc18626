import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RelayEnv } from '../config/relay-env';
import { retentionDeleted } from './retention.metrics';
import { RETAINED_TABLES, RetentionRepository, type RetainedTable } from './retention.repository';

/** Rows per delete: short transactions, so a trim never holds locks or bloats WAL in one go. */
const BATCH = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps the append-only logs (level events, deliveries) to RETENTION_DAYS: every RETENTION_TICK_MS each instance
 * trims what is older, in batches, one instance at a time. Levels, listings, dead letters and reconciliation runs
 * are state or records and are never trimmed. RETENTION_DAYS=0 keeps everything.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly env: RelayEnv,
    private readonly repo: RetentionRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.RETENTION_DAYS === 0 || this.env.RETENTION_TICK_MS === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.trim()
        .catch((err: unknown) =>
          this.logger.warn(`retention: ${err instanceof Error ? err.message : String(err)}; next try later`),
        )
        .finally(() => (this.running = null));
    }, this.env.RETENTION_TICK_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every row older than the retention; returns how many per table (0 each when retention is off). */
  async trim(now: Date = new Date()): Promise<Record<RetainedTable, number>> {
    const deleted: Record<RetainedTable, number> = { level_events: 0, deliveries: 0 };
    if (this.env.RETENTION_DAYS === 0) return deleted;
    const before = new Date(now.getTime() - this.env.RETENTION_DAYS * DAY_MS);
    for (const table of Object.keys(RETAINED_TABLES) as RetainedTable[]) {
      while (!this.stopped) {
        const count = await this.repo.deleteOldest(table, before, BATCH);
        if (count === null) return deleted; // another instance is at it
        deleted[table] += count;
        retentionDeleted.inc({ table }, count);
        if (count < BATCH) break;
      }
    }
    if (deleted.level_events + deleted.deliveries > 0)
      this.logger.log(
        `retention: deleted ${deleted.level_events} level event(s) and ${deleted.deliveries} deliveries ` +
          `older than ${this.env.RETENTION_DAYS} days`,
      );
    return deleted;
  }
}
