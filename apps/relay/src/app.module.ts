import { Module, type DynamicModule } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module';
import { ChannelsModule } from './channels/channels.module';
import { AuthModule } from './common/auth/auth.module';
import { LoggingModule } from './common/logging/logging.module';
import { PinoLoggerService } from './common/logging/pino-logger.service';
import { RelayConfigModule, type RelayEnv } from './config/relay-env';
import { DatabaseModule } from './database/database.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { InventoryModule } from './inventory/inventory.module';
import { MetricsModule } from './metrics/metrics.module';
import { PushModule } from './push/push.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RetentionModule } from './retention/retention.module';
import { TenantsModule } from './tenants/tenants.module';

/**
 * The relay. Built from an already-validated env (main.ts and startRelay validate it first) and the logger Nest
 * itself logs to, so structured feature lines and Nest's own lines go to one place.
 */
@Module({})
export class AppModule {
  static register(env: RelayEnv, logger = new PinoLoggerService(env.LOG_LEVEL)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RelayConfigModule.forRoot(env),
        LoggingModule.forRoot(logger),
        DatabaseModule,
        HealthModule,
        MetricsModule,
        AuthModule,
        TenantsModule,
        AgentsModule,
        InventoryModule,
        ChannelsModule,
        PushModule,
        GatewayModule,
        ReconcileModule,
        RetentionModule,
      ],
    };
  }
}
