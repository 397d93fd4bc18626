import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import {
  ListEventsQueryDto,
  toEventResponse,
  toTracedDelivery,
  type EventPageDto,
  type EventTraceDto,
} from './dto/events.dto';
import { toLevelResponse } from './dto/levels.dto';
import { LevelAuditService } from './level-audit.service';

/** The audit log of level events the agents sent, and where one of them went. */
@ApiTags('events')
@Controller('api/v1/tenants/:tenantId/events')
export class EventsAdminController {
  constructor(private readonly audit: LevelAuditService) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: ListEventsQueryDto): Promise<EventPageDto> {
    const { items, nextCursor } = await this.audit.pageEvents(tenantId, q);
    return { items: items.map(toEventResponse), nextCursor };
  }

  @Get(':eventId/trace')
  async trace(@Tenant() tenantId: string, @Param('eventId') eventId: string): Promise<EventTraceDto> {
    const { event, level, listings, deliveries } = await this.audit.trace(tenantId, eventId);
    return {
      event: toEventResponse(event),
      level: level ? toLevelResponse(level) : null,
      channels: listings.map((l) => ({
        channelId: l.channelId,
        channelName: l.channelName,
        listingId: l.listingId,
        deliveries: deliveries.filter((d) => d.channelId === l.channelId).map(toTracedDelivery),
      })),
    };
  }
}
