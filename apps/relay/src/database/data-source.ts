import type { DataSourceOptions } from 'typeorm';
import { AgentEntity } from '../agents/entities/agent.entity';
import { ApiKeyEntity } from '../api-keys/entities/api-key.entity';
import { ChannelEntity } from '../channels/entities/channel.entity';
import { ListingEntity } from '../channels/entities/listing.entity';
import { LevelEventEntity } from '../inventory/entities/level-event.entity';
import { StockLevelEntity } from '../inventory/entities/stock-level.entity';
import { DeadLetterEntity } from '../push/entities/dead-letter.entity';
import { DeliveryEntity } from '../push/entities/delivery.entity';
import { ReconciliationRunEntity } from '../reconcile/entities/reconciliation-run.entity';
import { ReconciliationSettingsEntity } from '../reconcile/entities/reconciliation-settings.entity';
import { ReconciliationSnapshotLevelEntity } from '../reconcile/entities/reconciliation-snapshot-level.entity';
import { ReconciliationSnapshotEntity } from '../reconcile/entities/reconciliation-snapshot.entity';
import { TenantEntity } from '../tenants/entities/tenant.entity';
import { CreateCoreSchema1764400000000 } from './migrations/1764400000000-CreateCoreSchema';
import { CreatePushSchema1764400100000 } from './migrations/1764400100000-CreatePushSchema';
import { CreateReconciliation1764400200000 } from './migrations/1764400200000-CreateReconciliation';
import { CreateApiKeys1764400400000 } from './migrations/1764400400000-CreateApiKeys';
import { AddLevelCorrelation1764400300000 } from './migrations/1764400300000-AddLevelCorrelation';

/** Listed explicitly, never globbed: bundles and ts-node/swc disagree about paths. */
export const RELAY_ENTITIES = [
  TenantEntity,
  AgentEntity,
  StockLevelEntity,
  LevelEventEntity,
  ChannelEntity,
  ListingEntity,
  DeliveryEntity,
  DeadLetterEntity,
  ReconciliationSettingsEntity,
  ReconciliationRunEntity,
  ReconciliationSnapshotEntity,
  ReconciliationSnapshotLevelEntity,
  ApiKeyEntity,
];

export const RELAY_MIGRATIONS = [
  CreateCoreSchema1764400000000,
  CreatePushSchema1764400100000,
  CreateReconciliation1764400200000,
  AddLevelCorrelation1764400300000,
  CreateApiKeys1764400400000,
];

/** One definition for the app, the migration CLI and the e2e global setup (which checks for schema drift). */
export function relayDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: RELAY_ENTITIES,
    migrations: RELAY_MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto', // gen_random_uuid() is built into PostgreSQL 13+
    installExtensions: false,
    extra: { max: 20 }, // pool size: the gateway commits frames of many agents at once
  };
}
