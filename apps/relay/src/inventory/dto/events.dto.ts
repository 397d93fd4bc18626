import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Length } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import type { LevelEventEntity } from '../entities/level-event.entity';
import type { TracedDelivery } from '../level-audit.repository';
import type { LevelResponseDto } from './levels.dto';

/** `?sku&from&to` (ISO times, on received_at, `to` exclusive); `?limit&offset` or `?limit&cursor`. Newest first. */
export class ListEventsQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) sku?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1024) cursor?: string;
}

export interface LevelEventResponseDto {
  eventId: string;
  frameId: string;
  agentId: string;
  productId: number;
  sku: string | null;
  warehouse: string;
  onHand: number;
  free: number;
  forecast: number;
  active: boolean;
  version: number;
  applied: boolean; // false: stale or superseded within its frame, so it changed nothing
  correlationId: string | null;
  observedAt: string; // in Odoo
  receivedAt: string; // by the relay
}

export interface EventPageDto {
  items: LevelEventResponseDto[];
  nextCursor: string | null;
}

export interface TracedDeliveryDto {
  id: string;
  listingId: string;
  quantity: number;
  status: string;
  error: string | null;
  attempt: number;
  createdAt: string;
}

/** One change followed from Odoo to each channel. */
export interface EventTraceDto {
  event: LevelEventResponseDto;
  level: LevelResponseDto | null; // the current level of that product and warehouse (null if never applied)
  channels: Array<{
    channelId: string;
    channelName: string;
    listingId: string;
    /** Pushes of the SKU from the event's arrival on, oldest first (a later change may be carried by them too). */
    deliveries: TracedDeliveryDto[];
  }>;
}

export const toEventResponse = (e: LevelEventEntity): LevelEventResponseDto => ({
  eventId: e.eventId,
  frameId: e.frameId,
  agentId: e.agentId,
  productId: Number(e.productId),
  sku: e.sku,
  warehouse: e.warehouse,
  onHand: Number(e.onHand),
  free: Number(e.free),
  forecast: Number(e.forecast),
  active: e.active,
  version: Number(e.version),
  applied: e.applied,
  correlationId: e.correlationId ?? null,
  observedAt: e.observedAt.toISOString(),
  receivedAt: e.receivedAt.toISOString(),
});

export const toTracedDelivery = (d: TracedDelivery): TracedDeliveryDto => ({
  id: d.id,
  listingId: d.listingId,
  quantity: d.quantity,
  status: d.status,
  error: d.error,
  attempt: d.attempt,
  createdAt: new Date(d.createdAt).toISOString(),
});
