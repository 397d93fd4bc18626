import { Module } from '@nestjs/common';
import { PushModule } from '../push/push.module';
import { InventoryAdminController } from './inventory-admin.controller';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';

@Module({
  imports: [PushModule], // provides ChannelNudger
  controllers: [InventoryAdminController],
  providers: [InventoryService, InventoryRepository],
  exports: [InventoryService], // the service, never the repository
})
export class InventoryModule {}
