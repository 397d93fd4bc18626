import { Injectable, Logger, Module } from '@nestjs/common';
import { ChannelNudger } from '../../push/channel-nudger';

/** Stand-in until the push module provides the real ChannelNudger: dirty listings stay dirty in PostgreSQL. */
@Injectable()
export class LoggingNudger extends ChannelNudger {
  private readonly logger = new Logger('LoggingNudger');
  async nudge(channelIds: readonly string[]): Promise<void> {
    this.logger.debug(`listings of ${channelIds.length} channel(s) are dirty: ${channelIds.join(', ')}`);
  }
}

@Module({ providers: [{ provide: ChannelNudger, useClass: LoggingNudger }], exports: [ChannelNudger] })
export class LoggingNudgerModule {}
