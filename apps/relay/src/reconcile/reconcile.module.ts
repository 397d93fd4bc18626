import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { CHANNEL_ADAPTER_FACTORY, createChannelAdapter } from '../channels/adapters/adapter-factory';
import { ChannelsModule } from '../channels/channels.module';
import { AgentSessionsModule } from '../gateway/agent-sessions.module';
import { InventoryModule } from '../inventory/inventory.module';
import { PushModule } from '../push/push.module';
import { ReadbackRepository } from './readback.repository';
import { ReconcileAdminController } from './reconcile-admin.controller';
import { ReconcileAdminService } from './reconcile-admin.service';
import { ReconcileScheduler } from './reconcile-scheduler.service';
import { ReconcileService } from './reconcile.service';
import { RunsRepository } from './runs.repository';
import { SnapshotDispatcher } from './snapshot-dispatcher.service';
import { SnapshotIngestService } from './snapshot-ingest.service';
import { SnapshotsRepository } from './snapshots.repository';

/**
 * Reconciliation (layer 2): the scheduler and runs, the snapshot stream's relay side (the gateway hands snapshot
 * frames to SnapshotIngestService and connections to SnapshotDispatcher), channel read-back, the admin routes.
 */
@Module({
  imports: [AgentsModule, AgentSessionsModule, InventoryModule, ChannelsModule, PushModule],
  controllers: [ReconcileAdminController],
  providers: [
    ReconcileService,
    ReconcileAdminService,
    ReconcileScheduler,
    SnapshotDispatcher,
    SnapshotIngestService,
    RunsRepository,
    SnapshotsRepository,
    ReadbackRepository,
    { provide: CHANNEL_ADAPTER_FACTORY, useValue: createChannelAdapter }, // reads live quantities back
  ],
  exports: [ReconcileService, SnapshotIngestService, SnapshotDispatcher],
})
export class ReconcileModule {}
