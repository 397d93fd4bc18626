import { ApiPropertyOptional } from '@nestjs/swagger';
import type { ChannelRule } from '@stockbridge/shared';
import { IsOptional, IsString, Length } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import type { StockLevelEntity } from '../entities/stock-level.entity';

/**
 * A page of levels, `?limit&offset`, filters `sku` (exact), `skuPrefix` and `warehouse`. GET /levels/:sku adds, for
 * one SKU, what each channel should show and was last sent.
 */
export class LevelsQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) sku?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) skuPrefix?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) warehouse?: string;
}

export interface LevelResponseDto {
  agentId: string;
  warehouse: string;
  productId: number;
  sku: string | null;
  barcode: string | null;
  onHand: number;
  free: number;
  forecast: number;
  active: boolean;
  version: number;
  observedAt: string;
  updatedAt: string;
}

export interface LevelPageDto {
  items: LevelResponseDto[];
  nextOffset: number | null;
}

/** One listing of the SKU: what its channel should show now, and what was last pushed there. */
export interface ChannelLevelDto {
  channelId: string;
  channelName: string;
  kind: string;
  paused: boolean;
  listingId: string;
  externalId: string;
  rule: ChannelRule | null; // the channel rule with the listing's override applied; null when unreadable
  /** channelQuantity(levels, rule) now; null without any level for the SKU or with an unreadable rule. */
  desiredQuantity: number | null;
  lastPushedQuantity: number | null;
  lastPushedAt: string | null;
  dirty: boolean; // a push is pending
  attempts: number;
  lastError: string | null;
}

export interface LevelDetailDto {
  sku: string;
  warehouses: LevelResponseDto[]; // Odoo's quantities, one per agent (site) and warehouse
  channels: ChannelLevelDto[];
}

/** pg returns numeric and bigint as strings; the API speaks numbers (versions stay below 2^53 by contract). */
export const toLevelResponse = (l: StockLevelEntity): LevelResponseDto => ({
  agentId: l.agentId,
  warehouse: l.warehouse,
  productId: Number(l.productId),
  sku: l.sku,
  barcode: l.barcode,
  onHand: Number(l.onHand),
  free: Number(l.free),
  forecast: Number(l.forecast),
  active: l.active,
  version: Number(l.version),
  observedAt: l.observedAt.toISOString(),
  updatedAt: l.updatedAt.toISOString(),
});
