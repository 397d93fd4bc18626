import { Module, type DynamicModule } from '@nestjs/common';
import { AgentsModule } from './agents/agents.module';
import { ChannelsModule } from './channels/channels.module';
import { AuthModule } from './common/auth/auth.module';
import { RelayConfigModule, type RelayEnv } from './config/relay-env';
import { DatabaseModule } from './database/database.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { InventoryModule } from './inventory/inventory.module';
import { PushModule } from './push/push.module';
import { TenantsModule } from './tenants/tenants.module';

/** The relay. Built from an already-validated env (main.ts and startRelay validate it first). */
@Module({})
export class AppModule {
  static register(env: RelayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RelayConfigModule.forRoot(env),
        DatabaseModule,
        HealthModule,
        AuthModule,
        TenantsModule,
        AgentsModule,
        InventoryModule,
        ChannelsModule,
        PushModule,
        GatewayModule,
      ],
    };
  }
}
