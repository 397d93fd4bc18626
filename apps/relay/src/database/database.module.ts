import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RelayEnv } from '../config/relay-env';
import { relayDataSourceOptions } from './data-source';

/** The app's one DataSource. Reachability is checked before Nest starts (relay.ts), so no retry loop here. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [RelayEnv],
      useFactory: (env: RelayEnv) => ({
        ...relayDataSourceOptions(env.DATABASE_URL),
        retryAttempts: 1,
        retryDelay: 1_000,
      }),
    }),
  ],
})
export class DatabaseModule {}
