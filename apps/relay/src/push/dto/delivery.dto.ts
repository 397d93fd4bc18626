import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { DeliveryEntity, DeliveryStatus } from '../entities/delivery.entity';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['ok', 'retry', 'dead'];

/** The push log of one channel, newest first: `?limit&offset` or `?limit&cursor`, filters `sku` and `status`. */
export class ListDeliveriesQueryDto {
  @IsOptional() @IsString() @Length(1, 128) sku?: string;
  @IsOptional() @IsIn(DELIVERY_STATUSES) status?: DeliveryStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @IsString() @Length(1, 1024) cursor?: string;
}

export interface DeliveryResponseDto {
  id: string;
  listingId: string;
  sku: string;
  quantity: number;
  status: DeliveryStatus;
  error: string | null;
  attempt: number;
  latencyMs: number | null; // Odoo observation → channel acceptance
  durationMs: number; // the API call
  createdAt: string;
}

export interface DeliveryPageDto {
  items: DeliveryResponseDto[];
  nextCursor: string | null;
}

export const toDeliveryResponse = (d: DeliveryEntity): DeliveryResponseDto => ({
  id: d.id,
  listingId: d.listingId,
  sku: d.sku,
  quantity: d.quantity,
  status: d.status,
  error: d.error,
  attempt: d.attempt,
  latencyMs: d.latencyMs,
  durationMs: d.durationMs,
  createdAt: d.createdAt.toISOString(),
});
