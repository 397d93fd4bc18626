import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { TenantEntity } from '../../tenants/entities/tenant.entity';

/** One on-prem agent (one per Odoo site). Its token is stored only as a SHA-256 hash. */
@Entity('agents')
@Index('ix_agents_tenant', ['tenantId'])
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agents' }) id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => TenantEntity)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_agents_tenant' })
  tenant?: TenantEntity;
  @Column({ type: 'text' }) name!: string;
  @Index('uq_agents_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;
  @Column({ name: 'token_prefix', type: 'text' }) tokenPrefix!: string; // shown in lists to tell tokens apart
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true }) lastSeenAt!: Date | null;
  @Column({ type: 'boolean', default: false }) connected!: boolean;
  @Column({ name: 'agent_version', type: 'text', nullable: true }) agentVersion!: string | null;
  @Column({ name: 'odoo_version', type: 'text', nullable: true }) odooVersion!: string | null;
  @Column({ name: 'outbox_depth', type: 'int', default: 0 }) outboxDepth!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
