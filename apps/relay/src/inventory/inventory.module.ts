import { Module } from '@nestjs/common';
import { PushModule } from '../push/push.module';
import { EventsAdminController } from './events-admin.controller';
import { InventoryAdminController } from './inventory-admin.controller';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { LevelAuditRepository } from './level-audit.repository';
import { LevelAuditService } from './level-audit.service';

@Module({
  imports: [PushModule], // provides ChannelNudger
  controllers: [InventoryAdminController, EventsAdminController],
  providers: [InventoryService, InventoryRepository, LevelAuditService, LevelAuditRepository],
  exports: [InventoryService], // the service, never the repository
})
export class InventoryModule {}
