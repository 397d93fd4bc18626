import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import { ApiKeysService } from './api-keys.service';
import {
  CreateApiKeyDto,
  ListApiKeysQueryDto,
  toApiKeyResponse,
  type ApiKeyPageDto,
  type ApiKeyResponseDto,
  type CreatedApiKeyResponseDto,
} from './dto/api-key.dto';

/** Keys that see only their tenant. The admin key, or a key of the same tenant, manages them. */
@ApiTags('api-keys')
@Controller('api/v1/tenants/:tenantId/api-keys')
export class ApiKeysAdminController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  async create(@Tenant() tenantId: string, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    const { apiKey, key } = await this.keys.create(tenantId, body.name);
    return { ...toApiKeyResponse(apiKey), key };
  }

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: ListApiKeysQueryDto): Promise<ApiKeyPageDto> {
    const { items, nextOffset } = await this.keys.page(tenantId, q);
    return { items: items.map(toApiKeyResponse), nextOffset };
  }

  @Get(':keyId')
  async get(@Tenant() tenantId: string, @Param('keyId') keyId: string): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(await this.keys.get(tenantId, keyId));
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  async revoke(@Tenant() tenantId: string, @Param('keyId') keyId: string): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(await this.keys.revoke(tenantId, keyId));
  }
}
