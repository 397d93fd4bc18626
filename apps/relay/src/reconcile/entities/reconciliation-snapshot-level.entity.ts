import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Staging: the levels a snapshot listed, until the run has compared them with stock_levels (then deleted).
 * UNLOGGED (see the migration): a crash empties it, which the run notices (stored count differs) and fails safe.
 */
@Entity('reconciliation_snapshot_levels')
export class ReconciliationSnapshotLevelEntity {
  @PrimaryColumn({
    name: 'snapshot_id',
    type: 'uuid',
    primaryKeyConstraintName: 'pk_reconciliation_snapshot_levels',
  })
  snapshotId!: string;
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_reconciliation_snapshot_levels' })
  warehouse!: string;
  @PrimaryColumn({
    name: 'product_id',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_reconciliation_snapshot_levels',
  })
  productId!: string;
  @Column({ type: 'text', nullable: true }) sku!: string | null;
  @Column({ type: 'text', nullable: true }) barcode!: string | null;
  @Column({ name: 'on_hand', type: 'numeric' }) onHand!: string;
  @Column({ type: 'numeric' }) free!: string;
  @Column({ type: 'numeric' }) forecast!: string;
  @Column({ type: 'bigint' }) version!: string;
  @Column({ name: 'observed_at', type: 'timestamptz' }) observedAt!: Date;
  @Column({ name: 'event_id', type: 'text' }) eventId!: string;
  @Column({ name: 'correlation_id', type: 'text' }) correlationId!: string;
}
