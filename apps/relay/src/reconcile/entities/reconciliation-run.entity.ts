import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TenantEntity } from '../../tenants/entities/tenant.entity';

export type RunTrigger = 'schedule' | 'api';
export type RunStatus = 'running' | 'ok' | 'failed';
export const RUN_TRIGGERS: readonly RunTrigger[] = ['schedule', 'api'];
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'ok', 'failed'];

/**
 * One reconciliation of one tenant. `failed` means something was left unchecked (an agent that sent no snapshot,
 * a channel that could not be read): `errors` says what, and the counts cover what was checked.
 */
@Entity('reconciliation_runs')
@Index('ix_reconciliation_runs_tenant_started', ['tenantId', 'startedAt'])
@Check('ck_reconciliation_runs_trigger', `"trigger" IN ('schedule', 'api')`)
@Check('ck_reconciliation_runs_status', `"status" IN ('running', 'ok', 'failed')`)
export class ReconciliationRunEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_reconciliation_runs' }) id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_reconciliation_runs_tenant' })
  tenant?: TenantEntity;
  @Column({ type: 'text' }) trigger!: RunTrigger;
  @Column({ type: 'text', default: 'running' }) status!: RunStatus;
  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' }) startedAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'duration_ms', type: 'int', nullable: true }) durationMs!: number | null;
  /** Distinct products the agents' snapshots listed, plus products found absent (archived, deleted). */
  @Column({ name: 'products_checked', type: 'int', default: 0 }) productsChecked!: number;
  /** Levels (product x warehouse) compared with the relay's. */
  @Column({ name: 'levels_checked', type: 'int', default: 0 }) levelsChecked!: number;
  /** Listings whose live quantity was read back from their channel and compared. */
  @Column({ name: 'listings_checked', type: 'int', default: 0 }) listingsChecked!: number;
  /** Relay levels the snapshots changed (quantities, identity, or absent products set inactive). */
  @Column({ name: 'relay_corrections', type: 'int', default: 0 }) relayCorrections!: number;
  /** channelId -> listings whose live quantity differed from what they should show (marked for a push). */
  @Column({ name: 'channel_corrections', type: 'jsonb', default: {} })
  channelCorrections!: Record<string, number>;
  /** channelId -> listings showing 0 pushed again because the last push was older than the zero re-send age. */
  @Column({ name: 'zero_resends', type: 'jsonb', default: {} }) zeroResends!: Record<string, number>;
  /** What went wrong, one sentence each (an agent, a channel). */
  @Column({ type: 'jsonb', default: [] }) errors!: string[];
  /** (relay + channel corrections) / (levels + listings checked): the reconciliation-corrections KPI (< 1 %). */
  @Column({ name: 'corrections_ratio', type: 'numeric', nullable: true }) correctionsRatio!: string | null;
}
