import { Injectable, Logger } from '@nestjs/common';
import type { LevelsFrameV1 } from '@stockbridge/shared';
import type { AgentRef } from '../agents/agent-ref';
import { isTransientConflict } from '../database/pg-errors';
import { ChannelNudger } from '../push/channel-nudger';
import type { StockLevelEntity } from './entities/stock-level.entity';
import { InventoryRepository, type AppliedFrame } from './inventory.repository';

const MAX_ATTEMPTS = 3; // deadlocks between frames touching the same listings resolve on a re-run

@Injectable()
export class InventoryService {
  private readonly logger = new Logger(InventoryService.name);

  constructor(
    private readonly levels: InventoryRepository,
    private readonly nudger: ChannelNudger,
  ) {}

  /**
   * Commits a validated frame (event log, version-guarded levels, dirty listings) in one transaction, then nudges
   * the push pipeline. Resolves only once committed: the caller may ack. A failed nudge is logged, not thrown:
   * the listings are already dirty in PostgreSQL and the push sweeper finds them anyway.
   */
  async applyFrame(agent: AgentRef, frame: LevelsFrameV1): Promise<AppliedFrame> {
    // Date.parse accepts more than PostgreSQL does: normalise so a valid frame never fails in SQL.
    const events = frame.events.map((e) => ({ ...e, observedAt: new Date(e.observedAt).toISOString() }));
    let applied: AppliedFrame | undefined;
    for (let attempt = 1; !applied; attempt++) {
      try {
        applied = await this.levels.applyFrame(agent, frame.frameId, events);
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !isTransientConflict(err)) throw err;
        this.logger.warn(`frame ${frame.frameId}: transient conflict, attempt ${attempt} of ${MAX_ATTEMPTS}`);
      }
    }
    if (applied.dirtyChannelIds.length > 0) await this.nudge(applied.dirtyChannelIds, frame.frameId);
    return applied;
  }

  getLevelsBySku(tenantId: string, sku: string): Promise<StockLevelEntity[]> {
    return this.levels.findBySku(tenantId, sku);
  }

  private async nudge(channelIds: string[], frameId: string): Promise<void> {
    try {
      await this.nudger.nudge(channelIds);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.warn(
        `frame ${frameId}: nudging ${channelIds.length} channel(s) failed (${reason}); the sweeper will push them`,
      );
    }
  }
}
