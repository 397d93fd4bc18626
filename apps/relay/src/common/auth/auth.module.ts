import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TenantsModule } from '../../tenants/tenants.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyResolver } from './api-key.resolver';

/** Installs ApiKeyGuard for every HTTP route of the app. */
@Module({
  imports: [TenantsModule],
  providers: [ApiKeyResolver, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeyResolver],
})
export class AuthModule {}
