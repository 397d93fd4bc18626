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
import { ChannelEntity } from '../../channels/entities/channel.entity';

export type DeliveryStatus = 'ok' | 'retry' | 'dead';

/** The push log: one row per listing per API call (calls skipped as unchanged write none). */
@Entity('deliveries')
@Index('ix_deliveries_channel_created', ['channelId', 'createdAt'])
@Index('ix_deliveries_listing_created', ['listingId', 'createdAt'])
@Check('ck_deliveries_status', `"status" IN ('ok', 'retry', 'dead')`)
export class DeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_deliveries' })
  id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'channel_id', type: 'uuid' }) channelId!: string;
  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'fk_deliveries_channel' })
  channel?: ChannelEntity;
  @Column({ name: 'listing_id', type: 'uuid' }) listingId!: string;
  @Column({ type: 'text' }) sku!: string;
  @Column({ type: 'int' }) quantity!: number;
  @Column({ type: 'text' }) status!: DeliveryStatus;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ type: 'int' }) attempt!: number;
  /** Odoo observation → channel acceptance; null when this push carried no new observation. */
  @Column({ name: 'latency_ms', type: 'int', nullable: true }) latencyMs!: number | null;
  /** How long the API call took. */
  @Column({ name: 'duration_ms', type: 'int' }) durationMs!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
