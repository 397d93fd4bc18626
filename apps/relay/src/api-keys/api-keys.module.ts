import { Module } from '@nestjs/common';
import { ApiKeysAdminController } from './api-keys-admin.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** Imported by AuthModule: the resolver authenticates keys through ApiKeysService. */
@Module({
  controllers: [ApiKeysAdminController],
  providers: [ApiKeysService, ApiKeysRepository],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
