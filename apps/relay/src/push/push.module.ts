import { Module } from '@nestjs/common';
import { CHANNEL_ADAPTER_FACTORY, createChannelAdapter } from '../channels/adapters/adapter-factory';
import { CredentialsModule } from '../channels/credentials.module';
import { ChannelNudger } from './channel-nudger';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';

/**
 * Push: RabbitMQ work queues per channel account, coalescing, batching, rate limits, retry and dead letters.
 * Other features see only PushService and, through it, the ChannelNudger the inventory calls after a commit.
 */
@Module({
  imports: [CredentialsModule],
  providers: [
    PushRepository,
    PushService,
    { provide: ChannelNudger, useExisting: PushService },
    { provide: CHANNEL_ADAPTER_FACTORY, useValue: createChannelAdapter },
  ],
  exports: [PushService, ChannelNudger],
})
export class PushModule {}
