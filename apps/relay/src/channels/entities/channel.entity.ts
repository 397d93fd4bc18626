import type { ChannelRule } from '@stockbridge/shared';
import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { TenantEntity } from '../../tenants/entities/tenant.entity';
import type { ChannelKind } from '../adapters/channel-adapter';

/** One sales-channel account. `config` is stored in clear; credentials only encrypted (CredentialsCipher). */
@Entity('channels')
@Index('ix_channels_tenant', ['tenantId'])
@Check('ck_channels_kind', `"kind" IN ('shopify', 'woocommerce', 'ebay', 'amazon', 'webhook')`)
export class ChannelEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_channels' }) id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => TenantEntity)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_channels_tenant' })
  tenant?: TenantEntity;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) kind!: ChannelKind;
  @Column({ type: 'jsonb' }) config!: Record<string, unknown>;
  @Column({ name: 'credentials_encrypted', type: 'text' }) credentialsEncrypted!: string;
  @Column({ type: 'jsonb' }) rule!: ChannelRule;
  @Column({ type: 'boolean', default: false }) paused!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
