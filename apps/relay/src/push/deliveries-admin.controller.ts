import { Controller, Get, Param, Query } from '@nestjs/common';
import { Tenant } from '../common/auth/tenant.decorator';
import { DeliveriesService } from './deliveries.service';
import { ListDeliveriesQueryDto, toDeliveryResponse, type DeliveryPageDto } from './dto/delivery.dto';

@Controller('api/v1/tenants/:tenantId/channels/:channelId/deliveries')
export class DeliveriesAdminController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  async list(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Query() q: ListDeliveriesQueryDto,
  ): Promise<DeliveryPageDto> {
    const { items, nextCursor } = await this.deliveries.page(tenantId, channelId, q);
    return { items: items.map(toDeliveryResponse), nextCursor };
  }
}
