import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Tenant } from '../common/auth/tenant.decorator';
import { ChannelsService, type ConnectionTestResult } from './channels.service';
import {
  CreateChannelDto,
  ListChannelsQueryDto,
  toChannelResponse,
  UpdateChannelDto,
  type ChannelPageDto,
  type ChannelResponseDto,
} from './dto/channel.dto';
import {
  CreateListingDto,
  ListListingsQueryDto,
  toListingResponse,
  UpdateListingDto,
  type ListingPageDto,
  type ListingResponseDto,
} from './dto/listing.dto';
import { ListingsService } from './listings.service';

@ApiTags('channels')
@Controller('api/v1/tenants/:tenantId/channels')
export class ChannelsAdminController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly listings: ListingsService,
  ) {}

  @Post()
  async create(@Tenant() tenantId: string, @Body() body: CreateChannelDto): Promise<ChannelResponseDto> {
    return toChannelResponse(await this.channels.create(tenantId, body));
  }

  @Get()
  async list(@Tenant() tenantId: string, @Query() q: ListChannelsQueryDto): Promise<ChannelPageDto> {
    const { items, nextOffset } = await this.channels.page(tenantId, q);
    return { items: items.map(toChannelResponse), nextOffset };
  }

  @Get(':channelId')
  async get(@Tenant() tenantId: string, @Param('channelId') channelId: string): Promise<ChannelResponseDto> {
    return toChannelResponse(await this.channels.get(tenantId, channelId));
  }

  @Patch(':channelId')
  async update(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Body() body: UpdateChannelDto,
  ): Promise<ChannelResponseDto> {
    return toChannelResponse(await this.channels.update(tenantId, channelId, body));
  }

  @Delete(':channelId')
  @HttpCode(204)
  async delete(@Tenant() tenantId: string, @Param('channelId') channelId: string): Promise<void> {
    await this.channels.delete(tenantId, channelId);
  }

  /** 200 `{ok: true}`, or 200 `{ok: false, error: {kind, status, message}}` with the channel API's own words. */
  @Post(':channelId/test')
  @HttpCode(200)
  test(@Tenant() tenantId: string, @Param('channelId') channelId: string): Promise<ConnectionTestResult> {
    return this.channels.testConnection(tenantId, channelId);
  }

  /** Same as PATCH `{paused: true}`: listings keep collecting changes, nothing is pushed. */
  @Post(':channelId/pause')
  @HttpCode(200)
  async pause(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
  ): Promise<ChannelResponseDto> {
    return toChannelResponse(await this.channels.update(tenantId, channelId, { paused: true }));
  }

  /** Same as PATCH `{paused: false}`: what piled up while paused is pushed now. */
  @Post(':channelId/resume')
  @HttpCode(200)
  async resume(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
  ): Promise<ChannelResponseDto> {
    return toChannelResponse(await this.channels.update(tenantId, channelId, { paused: false }));
  }

  @Post(':channelId/listings')
  async createListing(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Body() body: CreateListingDto,
  ): Promise<ListingResponseDto> {
    return toListingResponse(await this.listings.create(tenantId, channelId, body));
  }

  @Get(':channelId/listings')
  async listListings(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Query() query: ListListingsQueryDto,
  ): Promise<ListingPageDto> {
    const { items, nextCursor } = await this.listings.page(tenantId, channelId, query);
    return { items: items.map(toListingResponse), nextCursor };
  }

  @Patch(':channelId/listings/:listingId')
  async updateListing(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Param('listingId') listingId: string,
    @Body() body: UpdateListingDto,
  ): Promise<ListingResponseDto> {
    return toListingResponse(await this.listings.update(tenantId, channelId, listingId, body));
  }

  @Delete(':channelId/listings/:listingId')
  @HttpCode(204)
  async deleteListing(
    @Tenant() tenantId: string,
    @Param('channelId') channelId: string,
    @Param('listingId') listingId: string,
  ): Promise<void> {
    await this.listings.delete(tenantId, channelId, listingId);
  }
}
