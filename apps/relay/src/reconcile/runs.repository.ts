import { Injectable } from '@nestjs/common';
import { isRecord, isText } from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import {
  ReconciliationRunEntity,
  type RunStatus,
  type RunTrigger,
} from './entities/reconciliation-run.entity';
import {
  DEFAULT_RECONCILE_INTERVAL_MINUTES,
  DEFAULT_ZERO_RESEND_AGE_MINUTES,
  ReconciliationSettingsEntity,
} from './entities/reconciliation-settings.entity';
import { asRows } from '../database/query-results';

export interface ReconcileSettings {
  intervalMinutes: number;
  zeroResendAgeMinutes: number;
}

/** What a finished run found and did. */
export interface RunOutcome {
  productsChecked: number;
  levelsChecked: number;
  listingsChecked: number;
  relayCorrections: number;
  channelCorrections: Record<string, number>;
  zeroResends: Record<string, number>;
  errors: string[];
}

export interface ScheduleRow {
  tenantId: string;
  createdAt: Date;
  intervalMinutes: number;
  lastStartedAt: Date | null;
}

/**
 * The corrections ratio operators watch (healthy below 1 %): corrections on both sides over everything compared
 * (levels with Odoo's snapshot, listings with their channel). Null when nothing was compared.
 */
export function correctionsRatio(outcome: RunOutcome): number | null {
  const checked = outcome.levelsChecked + outcome.listingsChecked;
  if (checked === 0) return null;
  const channel = Object.values(outcome.channelCorrections).reduce((a, b) => a + b, 0);
  return (outcome.relayCorrections + channel) / checked;
}

/** Runs and settings; every query takes the tenant. */
@Injectable()
export class RunsRepository {
  constructor(private readonly db: DataSource) {}

  async settings(tenantId: string): Promise<ReconcileSettings> {
    const row = await this.db.getRepository(ReconciliationSettingsEntity).findOneBy({ tenantId });
    return {
      intervalMinutes: row?.intervalMinutes ?? DEFAULT_RECONCILE_INTERVAL_MINUTES,
      zeroResendAgeMinutes: row?.zeroResendAgeMinutes ?? DEFAULT_ZERO_RESEND_AGE_MINUTES,
    };
  }

  async saveSettings(tenantId: string, changes: Partial<ReconcileSettings>): Promise<ReconcileSettings> {
    const current = await this.settings(tenantId);
    const next = { ...current, ...changes };
    await this.db.query(
      `INSERT INTO reconciliation_settings (tenant_id, interval_minutes, zero_resend_age_minutes)
       VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT pk_reconciliation_settings DO UPDATE
         SET interval_minutes = excluded.interval_minutes,
             zero_resend_age_minutes = excluded.zero_resend_age_minutes, updated_at = now()`,
      [tenantId, next.intervalMinutes, next.zeroResendAgeMinutes],
    );
    return next;
  }

  /** started_at from this process's clock, in whole milliseconds: the list's cursor is exact and so is the duration. */
  create(tenantId: string, trigger: RunTrigger): Promise<ReconciliationRunEntity> {
    const repo = this.db.getRepository(ReconciliationRunEntity);
    return repo.save(repo.create({ tenantId, trigger, status: 'running', startedAt: new Date() }));
  }

  async finish(
    run: ReconciliationRunEntity,
    status: Exclude<RunStatus, 'running'>,
    outcome: RunOutcome,
  ): Promise<void> {
    const finishedAt = new Date();
    await this.db.query(
      `UPDATE reconciliation_runs
          SET status = $2, finished_at = $11, duration_ms = $12,
              products_checked = $3, levels_checked = $4, listings_checked = $5, relay_corrections = $6,
              channel_corrections = $7::jsonb, zero_resends = $8::jsonb, errors = $9::jsonb, corrections_ratio = $10
        WHERE id = $1`,
      [
        run.id,
        status,
        outcome.productsChecked,
        outcome.levelsChecked,
        outcome.listingsChecked,
        outcome.relayCorrections,
        JSON.stringify(outcome.channelCorrections),
        JSON.stringify(outcome.zeroResends),
        JSON.stringify(outcome.errors),
        correctionsRatio(outcome),
        finishedAt,
        Math.min(2_147_483_647, Math.max(0, finishedAt.getTime() - run.startedAt.getTime())),
      ],
    );
  }

  /** Runs of the tenant still marked running: only possible after an instance stopped mid-run (the lock is ours). */
  async abandonRunning(tenantId: string, error: string): Promise<string[]> {
    const [rows] = asRows(
      await this.db.query(
        `UPDATE reconciliation_runs
            SET status = 'failed', finished_at = now(), errors = errors || jsonb_build_array($2::text),
                duration_ms = LEAST(2147483647, GREATEST(0, round(extract(epoch FROM now() - started_at) * 1000)))::int
          WHERE tenant_id = $1 AND status = 'running' RETURNING id`,
        [tenantId, error],
      ),
    );
    return asRows(rows).flatMap((r) => (isRecord(r) && isText(r['id']) ? [r['id']] : []));
  }

  findOne(tenantId: string, runId: string): Promise<ReconciliationRunEntity | null> {
    if (!isUuid(runId)) return Promise.resolve(null);
    return this.db.getRepository(ReconciliationRunEntity).findOneBy({ tenantId, id: runId });
  }

  running(tenantId: string): Promise<ReconciliationRunEntity | null> {
    return this.db.getRepository(ReconciliationRunEntity).findOneBy({ tenantId, status: 'running' });
  }

  /** Newest first by (started_at, id); one row more than `limit`, so the caller knows a next page exists. */
  page(
    tenantId: string,
    filter: { status?: RunStatus; trigger?: RunTrigger; from?: Date; to?: Date },
    window: { limit: number; before: { startedAt: string; id: string } | null },
  ): Promise<ReconciliationRunEntity[]> {
    const q = this.db
      .getRepository(ReconciliationRunEntity)
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId', { tenantId })
      .orderBy('r.started_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(window.limit + 1);
    if (window.before)
      q.andWhere('(r.started_at, r.id) < (:startedAt::timestamptz, :id::uuid)', window.before);
    if (filter.status !== undefined) q.andWhere('r.status = :status', { status: filter.status });
    if (filter.trigger !== undefined) q.andWhere('r.trigger = :trigger', { trigger: filter.trigger });
    if (filter.from !== undefined) q.andWhere('r.started_at >= :from', { from: filter.from });
    if (filter.to !== undefined) q.andWhere('r.started_at < :to', { to: filter.to });
    return q.getMany();
  }

  /** Every tenant (or one) with its interval and the start of its last run, for the scheduler. */
  async scheduleRows(tenantId: string | null = null): Promise<ScheduleRow[]> {
    const rows = asRows(
      await this.db.query(
        `SELECT t.id, t.created_at, COALESCE(s.interval_minutes, $1) AS interval_minutes,
                (SELECT max(r.started_at) FROM reconciliation_runs r WHERE r.tenant_id = t.id) AS last_started_at
           FROM tenants t LEFT JOIN reconciliation_settings s ON s.tenant_id = t.id
          WHERE $2::uuid IS NULL OR t.id = $2::uuid`,
        [DEFAULT_RECONCILE_INTERVAL_MINUTES, tenantId],
      ),
    );
    return rows.flatMap((r): ScheduleRow[] => {
      if (!isRecord(r) || !isText(r['id']) || !(r['created_at'] instanceof Date)) return [];
      const interval = r['interval_minutes'];
      const last = r['last_started_at'];
      if (typeof interval !== 'number' || (last !== null && !(last instanceof Date))) return [];
      return [
        { tenantId: r['id'], createdAt: r['created_at'], intervalMinutes: interval, lastStartedAt: last },
      ];
    });
  }
}
