import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The current level of one product in one warehouse of one agent (site). Moves only to a newer version. */
@Entity('stock_levels')
@Index('ix_stock_levels_tenant_sku', ['tenantId', 'sku'])
export class StockLevelEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'pk_stock_levels' })
  tenantId!: string;
  @PrimaryColumn({ name: 'agent_id', type: 'uuid', primaryKeyConstraintName: 'pk_stock_levels' })
  agentId!: string;
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_stock_levels' }) warehouse!: string;
  @PrimaryColumn({ name: 'product_id', type: 'bigint', primaryKeyConstraintName: 'pk_stock_levels' })
  productId!: string; // pg returns bigint and numeric as strings: converted at the edge
  @Column({ type: 'text', nullable: true }) sku!: string | null;
  @Column({ type: 'text', nullable: true }) barcode!: string | null;
  @Column({ name: 'on_hand', type: 'numeric' }) onHand!: string;
  @Column({ type: 'numeric' }) free!: string;
  @Column({ type: 'numeric' }) forecast!: string;
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ type: 'bigint' }) version!: string;
  @Column({ name: 'observed_at', type: 'timestamptz' }) observedAt!: Date;
  /** The agent poll that read this level: push logs name it, so one change can be followed end to end. */
  @Column({ name: 'correlation_id', type: 'text', nullable: true }) correlationId!: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
