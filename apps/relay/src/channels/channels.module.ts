import { Module } from '@nestjs/common';
import { PushModule } from '../push/push.module';
import { ChannelsAdminController } from './channels-admin.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { CredentialsModule } from './credentials.module';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';

@Module({
  imports: [CredentialsModule, PushModule], // PushModule provides ChannelNudger
  controllers: [ChannelsAdminController],
  providers: [ChannelsService, ListingsService, ChannelsRepository, ListingsRepository],
  exports: [ChannelsService],
})
export class ChannelsModule {}
