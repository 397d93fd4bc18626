import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import {
  CreateTenantDto,
  ListTenantsQueryDto,
  toTenantResponse,
  type TenantPageDto,
  type TenantResponseDto,
} from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

/** Creating and listing tenants needs the admin key (the guard answers 403 to a tenant key outside its tenant). */
@ApiTags('tenants')
@Controller('api/v1/tenants')
export class TenantsAdminController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  async create(@Body() body: CreateTenantDto): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.create(body.name));
  }

  @Get()
  async list(@Query() q: ListTenantsQueryDto): Promise<TenantPageDto> {
    const { items, nextOffset } = await this.tenants.page(q);
    return { items: items.map(toTenantResponse), nextOffset };
  }

  @Get(':tenantId')
  async get(@Tenant() tenantId: string): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.get(tenantId));
  }
}
