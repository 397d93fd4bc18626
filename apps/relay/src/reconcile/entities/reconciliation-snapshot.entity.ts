import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ReconciliationRunEntity } from './reconciliation-run.entity';

export type SnapshotStatus = 'requested' | 'streaming' | 'complete' | 'failed';

/**
 * One agent's snapshot within a run, and its progress: what the relay stored so far (`last_product_id`, the
 * resume point), the attempt whose frames it accepts, and while it is waited for (`expires_at`, renewed by the
 * run; an instance only sends commands for snapshots that have not expired, so an abandoned run stops asking).
 */
@Entity('reconciliation_snapshots')
@Index('ix_reconciliation_snapshots_run', ['runId'])
@Index('ix_reconciliation_snapshots_agent_status', ['agentId', 'status'])
@Check('ck_reconciliation_snapshots_status', `"status" IN ('requested', 'streaming', 'complete', 'failed')`)
export class ReconciliationSnapshotEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_reconciliation_snapshots' }) id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @ManyToOne(() => ReconciliationRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_reconciliation_snapshots_run' })
  run?: ReconciliationRunEntity;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId!: string;
  @Column({ type: 'text', default: 'requested' }) status!: SnapshotStatus;
  /** The attempt whose frames are accepted; 0 until the first command is sent. */
  @Column({ type: 'int', default: 0 }) attempt!: number;
  @Column({ name: 'page_size', type: 'int' }) pageSize!: number;
  @Column({ type: 'text', array: true, nullable: true }) warehouses!: string[] | null;
  /** The agent's version clock at the first begin: relay levels older than this and absent are stale. */
  @Column({ name: 'cutoff_version', type: 'bigint', nullable: true }) cutoffVersion!: string | null;
  @Column({ name: 'begun_at', type: 'timestamptz', nullable: true }) begunAt!: Date | null;
  /** Every tracked product up to this id is stored: where a resumed attempt starts. */
  @Column({ name: 'last_product_id', type: 'bigint', default: 0 }) lastProductId!: string;
  /** Chunks and events stored in the current attempt (checked against its snapshot-end). */
  @Column({ name: 'last_seq', type: 'int', default: 0 }) lastSeq!: number;
  @Column({ name: 'attempt_events', type: 'int', default: 0 }) attemptEvents!: number;
  /** Levels stored over all attempts. */
  @Column({ type: 'int', default: 0 }) levels!: number;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  /** Last progress (begin, chunk, end): a snapshot that stops progressing is given up. */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}
