import type { RuleOverride } from '@stockbridge/shared';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ChannelEntity } from './channel.entity';

/**
 * Where one SKU lives on one channel. Dirty when dirty_seq > pushed_seq: a level change bumps dirty_seq, the push
 * worker sets pushed_seq to the dirty_seq it pushed, so a change during a push is never lost.
 */
@Entity('listings')
@Index('uq_listings_channel_sku', ['channelId', 'sku'], { unique: true })
@Index('ix_listings_tenant_sku', ['tenantId', 'sku'])
@Index('ix_listings_dirty', ['channelId', 'dirtySince'], { where: '"dirty_seq" > "pushed_seq"' })
export class ListingEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_listings' }) id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'channel_id', type: 'uuid' }) channelId!: string;
  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'fk_listings_channel' })
  channel?: ChannelEntity;
  @Column({ type: 'text' }) sku!: string;
  @Column({ name: 'external_id', type: 'text' }) externalId!: string;
  @Column({ type: 'jsonb', default: {} }) extra!: Record<string, unknown>;
  @Column({ name: 'rule_override', type: 'jsonb', nullable: true }) ruleOverride!: RuleOverride | null;
  @Column({ name: 'dirty_seq', type: 'bigint', default: 1 }) dirtySeq!: string;
  @Column({ name: 'pushed_seq', type: 'bigint', default: 0 }) pushedSeq!: string;
  @Column({ name: 'dirty_since', type: 'timestamptz', nullable: true, default: () => 'now()' })
  dirtySince!: Date | null;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true }) nextAttemptAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'last_pushed_quantity', type: 'int', nullable: true }) lastPushedQuantity!: number | null;
  @Column({ name: 'last_pushed_at', type: 'timestamptz', nullable: true }) lastPushedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
