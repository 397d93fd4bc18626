import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from '../../api-keys/api-keys.module';
import { TenantsModule } from '../../tenants/tenants.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyResolver } from './api-key.resolver';

/** Installs ApiKeyGuard for every HTTP route of the app; ApiKeysModule brings the tenant keys and their routes. */
@Module({
  imports: [TenantsModule, ApiKeysModule],
  providers: [ApiKeyResolver, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeyResolver],
})
export class AuthModule {}
