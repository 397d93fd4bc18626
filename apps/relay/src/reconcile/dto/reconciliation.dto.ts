import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import {
  MAX_RECONCILE_INTERVAL_MINUTES,
  MAX_ZERO_RESEND_AGE_MINUTES,
} from '../entities/reconciliation-settings.entity';
import {
  RUN_STATUSES,
  RUN_TRIGGERS,
  type ReconciliationRunEntity,
  type RunStatus,
  type RunTrigger,
} from '../entities/reconciliation-run.entity';
import type { SnapshotRow } from '../snapshots.repository';
import type { ReconcileSettings } from '../runs.repository';

/**
 * Newest first: `?limit&cursor` (the cursor comes from the previous page's nextCursor), filters `status`, `trigger`
 * and `from`/`to` on the start time.
 */
export class ListRunsQueryDto {
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1024) cursor?: string;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @ApiPropertyOptional({ enum: RUN_TRIGGERS }) @IsOptional() @IsIn(RUN_TRIGGERS) trigger?: RunTrigger;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;
}

export class UpdateReconcileSettingsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RECONCILE_INTERVAL_MINUTES })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RECONCILE_INTERVAL_MINUTES)
  intervalMinutes?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ZERO_RESEND_AGE_MINUTES })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ZERO_RESEND_AGE_MINUTES)
  zeroResendAgeMinutes?: number;
}

export type ReconcileSettingsDto = ReconcileSettings;

export interface SnapshotResponseDto {
  agentId: string;
  status: SnapshotRow['status'];
  attempts: number; // more than 1: the stream was resumed or restarted
  levels: number;
  lastProductId: number;
  error: string | null;
}

export interface RunResponseDto {
  id: string;
  tenantId: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  productsChecked: number;
  levelsChecked: number;
  listingsChecked: number;
  relayCorrections: number;
  channelCorrections: Record<string, number>; // channelId -> listings corrected
  zeroResends: Record<string, number>;
  errors: string[];
  correctionsRatio: number | null;
}

export interface RunDetailDto extends RunResponseDto {
  snapshots: SnapshotResponseDto[];
}

export interface RunPageDto {
  items: RunResponseDto[];
  nextCursor: string | null;
}

export const toRunResponse = (r: ReconciliationRunEntity): RunResponseDto => ({
  id: r.id,
  tenantId: r.tenantId,
  trigger: r.trigger,
  status: r.status,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  durationMs: r.durationMs,
  productsChecked: r.productsChecked,
  levelsChecked: r.levelsChecked,
  listingsChecked: r.listingsChecked,
  relayCorrections: r.relayCorrections,
  channelCorrections: r.channelCorrections,
  zeroResends: r.zeroResends,
  errors: r.errors,
  correctionsRatio: r.correctionsRatio === null ? null : Number(r.correctionsRatio),
});

export const toSnapshotResponse = (s: SnapshotRow): SnapshotResponseDto => ({
  agentId: s.agentId,
  status: s.status,
  attempts: s.attempt,
  levels: s.levels,
  lastProductId: s.lastProductId,
  error: s.error,
});
