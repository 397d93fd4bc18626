import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only log of every level event received; (tenant, event id) makes a redelivery insert nothing. */
@Entity('level_events')
@Index('uq_level_events_tenant_event', ['tenantId', 'eventId'], { unique: true })
@Index('ix_level_events_tenant_sku_received', ['tenantId', 'sku', 'receivedAt'])
export class LevelEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_level_events' })
  id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId!: string;
  @Column({ name: 'event_id', type: 'text' }) eventId!: string;
  @Column({ name: 'frame_id', type: 'text' }) frameId!: string;
  @Column({ name: 'product_id', type: 'bigint' }) productId!: string;
  @Column({ type: 'text', nullable: true }) sku!: string | null;
  @Column({ type: 'text' }) warehouse!: string;
  @Column({ name: 'on_hand', type: 'numeric' }) onHand!: string;
  @Column({ type: 'numeric' }) free!: string;
  @Column({ type: 'numeric' }) forecast!: string;
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ type: 'bigint' }) version!: string;
  @Column({ name: 'observed_at', type: 'timestamptz' }) observedAt!: Date;
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' }) receivedAt!: Date;
  /** True when this event became the current level (false: stale or superseded within its frame). */
  @Column({ type: 'boolean' }) applied!: boolean;
  @Column({ name: 'correlation_id', type: 'text' }) correlationId!: string;
}
