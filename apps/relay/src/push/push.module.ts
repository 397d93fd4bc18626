import { Module } from '@nestjs/common';
import { CHANNEL_ADAPTER_FACTORY, createChannelAdapter } from '../channels/adapters/adapter-factory';
import { CredentialsModule } from '../channels/credentials.module';
import { ChannelNudger } from './channel-nudger';
import { DeadLettersAdminController } from './dead-letters-admin.controller';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeadLettersService } from './dead-letters.service';
import { DeliveriesAdminController } from './deliveries-admin.controller';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService } from './deliveries.service';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';

/**
 * Push: RabbitMQ work queues per channel account, coalescing, batching, rate limits, retry and dead letters.
 * Other features see only PushService and, through it, the ChannelNudger the inventory calls after a commit.
 */
@Module({
  imports: [CredentialsModule],
  controllers: [DeadLettersAdminController, DeliveriesAdminController], // the admin view of dead letters and the log
  providers: [
    PushRepository,
    DeadLettersRepository,
    DeadLettersService,
    DeliveriesRepository,
    DeliveriesService,
    PushService,
    { provide: ChannelNudger, useExisting: PushService },
    { provide: CHANNEL_ADAPTER_FACTORY, useValue: createChannelAdapter },
  ],
  exports: [PushService, ChannelNudger],
})
export class PushModule {}
