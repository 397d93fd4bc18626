import { Body, Controller, Get, Post } from '@nestjs/common';
import { Tenant } from '../common/auth/tenant.decorator';
import { CreateTenantDto, toTenantResponse, type TenantResponseDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

@Controller('api/v1/tenants')
export class TenantsAdminController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  async create(@Body() body: CreateTenantDto): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.create(body.name));
  }

  @Get(':tenantId')
  async get(@Tenant() tenantId: string): Promise<TenantResponseDto> {
    return toTenantResponse(await this.tenants.get(tenantId));
  }
}
