import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import {
  DiscoverListingsDto,
  UnmappedQueryDto,
  type DiscoveryResponseDto,
  type UnmappedResponseDto,
} from './dto/listing-discovery.dto';
import { ListingDiscoveryService } from './listing-discovery.service';

/** Automatic mapping of Odoo products to a channel's listings, and what is left unmapped on each side. */
@ApiTags('listings')
@Controller('api/v1/tenants/:tenantId/channels/:channelId/listings')
export class ListingDiscoveryAdminController {
  constructor(private readonly discovery: ListingDiscoveryService) {}

  @Post('discover')
  @HttpCode(200) // creates only what it found; the answer is a report, not one new resource
  discover(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Body() body: DiscoverListingsDto,
  ): Promise<DiscoveryResponseDto> {
    return this.discovery.discover(tenantId, channelId, body);
  }

  @Get('unmapped')
  unmapped(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Query() q: UnmappedQueryDto,
  ): Promise<UnmappedResponseDto> {
    return this.discovery.unmapped(tenantId, channelId, q);
  }
}
