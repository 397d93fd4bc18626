import { IsString, Length } from 'class-validator';
import type { StockLevelEntity } from '../entities/stock-level.entity';

export class LevelsQueryDto {
  @IsString() @Length(1, 128) sku!: string;
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

export interface LevelsResponseDto {
  sku: string;
  items: LevelResponseDto[]; // one per agent (site) and warehouse
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
