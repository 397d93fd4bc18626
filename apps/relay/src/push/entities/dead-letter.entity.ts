import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ChannelEntity } from '../../channels/entities/channel.entity';

/** A push the channel refused for good (or that ran out of attempts), with the API's own error text. */
@Entity('dead_letters')
@Index('ix_dead_letters_tenant_channel_created', ['tenantId', 'channelId', 'createdAt'])
@Index('ix_dead_letters_channel', ['channelId'])
export class DeadLetterEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_dead_letters' }) id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'channel_id', type: 'uuid' }) channelId!: string;
  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'fk_dead_letters_channel' })
  channel?: ChannelEntity;
  @Column({ name: 'listing_id', type: 'uuid' }) listingId!: string;
  @Column({ type: 'text' }) sku!: string;
  /** The quantity that could not be pushed; null when none could be computed (unusable rule override). */
  @Column({ type: 'int', nullable: true }) quantity!: number | null;
  @Column({ name: 'error_code', type: 'text' }) errorCode!: string;
  @Column({ name: 'error_message', type: 'text' }) errorMessage!: string;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ name: 'first_failed_at', type: 'timestamptz' }) firstFailedAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'replayed_at', type: 'timestamptz', nullable: true }) replayedAt!: Date | null;
  @Column({ name: 'discarded_at', type: 'timestamptz', nullable: true }) discardedAt!: Date | null;
}
