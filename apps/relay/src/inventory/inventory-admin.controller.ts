import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import { LevelsQueryDto, toLevelResponse, type LevelDetailDto, type LevelPageDto } from './dto/levels.dto';
import { InventoryService } from './inventory.service';
import { LevelAuditService } from './level-audit.service';

@ApiTags('levels')
@Controller('api/v1/tenants/:tenantId/levels')
export class InventoryAdminController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly audit: LevelAuditService,
  ) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: LevelsQueryDto): Promise<LevelPageDto> {
    const { items, nextOffset } = await this.audit.pageLevels(tenantId, q);
    return { items: items.map(toLevelResponse), nextOffset };
  }

  /** Odoo's quantities per warehouse, and per channel listing the desired and last pushed quantity. */
  @Get(':sku')
  async bySku(@Tenant() tenantId: string, @Param('sku') sku: string): Promise<LevelDetailDto> {
    const levels = await this.inventory.getLevelsBySku(tenantId, sku);
    return {
      sku,
      warehouses: levels.map(toLevelResponse),
      channels: await this.audit.channelLevels(tenantId, sku, levels),
    };
  }
}
