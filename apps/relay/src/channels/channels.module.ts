import { Module } from '@nestjs/common';
import { PushModule } from '../push/push.module';
import { CHANNEL_ADAPTER_FACTORY, createChannelAdapter } from './adapters/adapter-factory';
import { ChannelsAdminController } from './channels-admin.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { CredentialsModule } from './credentials.module';
import { ListingDiscoveryAdminController } from './listing-discovery-admin.controller';
import { ListingDiscoveryRepository } from './listing-discovery.repository';
import { ListingDiscoveryService } from './listing-discovery.service';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';

@Module({
  imports: [CredentialsModule, PushModule], // PushModule provides ChannelNudger
  controllers: [ChannelsAdminController, ListingDiscoveryAdminController],
  providers: [
    ChannelsService,
    ListingsService,
    ListingDiscoveryService,
    ChannelsRepository,
    ListingsRepository,
    ListingDiscoveryRepository,
    { provide: CHANNEL_ADAPTER_FACTORY, useValue: createChannelAdapter }, // discovery looks listings up
  ],
  exports: [ChannelsService],
})
export class ChannelsModule {}
