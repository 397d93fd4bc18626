import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PinoLoggerService } from './pino-logger.service';

/**
 * The relay's one pino logger, injectable as PinoLoggerService, for structured lines ({correlationId, tenantId,
 * channelId, sku}) that Nest's string-only Logger cannot carry. Each relay instance has its own (tests start
 * several in one process), unlike Nest's static Logger.
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger: PinoLoggerService): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: PinoLoggerService, useValue: logger }],
      exports: [PinoLoggerService],
    };
  }
}
