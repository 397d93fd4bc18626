import { Controller, Get, Query } from '@nestjs/common';
import { Tenant } from '../common/auth/tenant.decorator';
import { LevelsQueryDto, toLevelResponse, type LevelsResponseDto } from './dto/levels.dto';
import { InventoryService } from './inventory.service';

@Controller('api/v1/tenants/:tenantId/levels')
export class InventoryAdminController {
  constructor(private readonly inventory: InventoryService) {}

  @Get()
  async bySku(@Tenant() tenantId: string, @Query() q: LevelsQueryDto): Promise<LevelsResponseDto> {
    const levels = await this.inventory.getLevelsBySku(tenantId, q.sku);
    return { sku: q.sku, items: levels.map(toLevelResponse) };
  }
}
