import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from '../common/paging/cursor';
import type { ListRunsQueryDto, UpdateReconcileSettingsDto } from './dto/reconciliation.dto';
import type { ReconciliationRunEntity } from './entities/reconciliation-run.entity';
import { ReconcileService } from './reconcile.service';
import { RunsRepository, type ReconcileSettings } from './runs.repository';
import { SnapshotsRepository, type SnapshotRow } from './snapshots.repository';
import { isUuid } from '../tenants/tenants.repository';

const DEFAULT_PAGE_SIZE = 50;

const parseKey = (v: readonly unknown[]): { startedAt: string; id: string } | null => {
  const [startedAt, id] = v;
  return v.length === 2 &&
    typeof startedAt === 'string' &&
    !Number.isNaN(Date.parse(startedAt)) &&
    typeof id === 'string' &&
    isUuid(id)
    ? { startedAt, id }
    : null;
};

/** What the admin API does with reconciliation: start, list and read runs; read and change the settings. */
@Injectable()
export class ReconcileAdminService {
  constructor(
    private readonly reconcile: ReconcileService,
    private readonly runs: RunsRepository,
    private readonly snapshots: SnapshotsRepository,
  ) {}

  start(tenantId: string): Promise<ReconciliationRunEntity> {
    return this.reconcile.start(tenantId, 'api');
  }

  async page(
    tenantId: string,
    q: ListRunsQueryDto,
  ): Promise<{ items: ReconciliationRunEntity[]; nextCursor: string | null }> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const before = q.cursor === undefined ? null : decodeCursor(q.cursor, parseKey);
    const rows = await this.runs.page(
      tenantId,
      { status: q.status, trigger: q.trigger, from: q.from, to: q.to },
      { limit, before },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor([last.startedAt.toISOString(), last.id]) : null,
    };
  }

  async get(
    tenantId: string,
    runId: string,
  ): Promise<{ run: ReconciliationRunEntity; snapshots: SnapshotRow[] }> {
    const run = await this.runs.findOne(tenantId, runId);
    if (!run) throw new DomainError('RECONCILIATION_RUN_NOT_FOUND', `Reconciliation run ${runId} not found`);
    return { run, snapshots: await this.snapshots.ofRun(run.id) };
  }

  settings(tenantId: string): Promise<ReconcileSettings> {
    return this.runs.settings(tenantId);
  }

  updateSettings(tenantId: string, dto: UpdateReconcileSettingsDto): Promise<ReconcileSettings> {
    const changes: Partial<ReconcileSettings> = {};
    if (dto.intervalMinutes !== undefined) changes.intervalMinutes = dto.intervalMinutes;
    if (dto.zeroResendAgeMinutes !== undefined) changes.zeroResendAgeMinutes = dto.zeroResendAgeMinutes;
    return this.runs.saveSettings(tenantId, changes);
  }
}
