import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TenantEntity } from '../../tenants/entities/tenant.entity';

export const DEFAULT_RECONCILE_INTERVAL_MINUTES = 60;
export const DEFAULT_ZERO_RESEND_AGE_MINUTES = 24 * 60;
export const MAX_RECONCILE_INTERVAL_MINUTES = 7 * 24 * 60;
export const MAX_ZERO_RESEND_AGE_MINUTES = 30 * 24 * 60;

/** A tenant's reconciliation settings; a tenant without a row uses the defaults. */
@Entity('reconciliation_settings')
@Check(
  'ck_reconciliation_settings_interval',
  `"interval_minutes" BETWEEN 1 AND ${MAX_RECONCILE_INTERVAL_MINUTES}`,
)
@Check(
  'ck_reconciliation_settings_zero_resend',
  `"zero_resend_age_minutes" BETWEEN 1 AND ${MAX_ZERO_RESEND_AGE_MINUTES}`,
)
export class ReconciliationSettingsEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'pk_reconciliation_settings' })
  tenantId!: string;
  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_reconciliation_settings_tenant' })
  tenant?: TenantEntity;
  /** A scheduled run starts every this many minutes, at a per-tenant offset (see reconcile-schedule.ts). */
  @Column({ name: 'interval_minutes', type: 'int', default: DEFAULT_RECONCILE_INTERVAL_MINUTES })
  intervalMinutes!: number;
  /** A listing showing 0 is pushed again when its last push is older than this (marketplaces drop zeros). */
  @Column({ name: 'zero_resend_age_minutes', type: 'int', default: DEFAULT_ZERO_RESEND_AGE_MINUTES })
  zeroResendAgeMinutes!: number;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
