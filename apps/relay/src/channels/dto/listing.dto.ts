import type { RuleOverride } from '@stockbridge/shared';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import type { ListingEntity } from '../entities/listing.entity';
import { ChannelRuleDto } from './channel-rule.dto';

export class CreateListingDto {
  @IsString() @Length(1, 128) sku!: string;
  @IsString() @Length(1, 512) externalId!: string;
  @IsOptional() @IsObject() extra?: Record<string, unknown>;
  @IsOptional() @ValidateNested() @Type(() => ChannelRuleDto) ruleOverride?: ChannelRuleDto;
}

/**
 * A fix to a listing's mapping (e.g. the right externalId after a dead letter): any subset, at least one field;
 * `ruleOverride: null` removes the override. The listing is pushed again at once.
 */
export class UpdateListingDto {
  @IsOptional() @IsString() @Length(1, 512) externalId?: string;
  @IsOptional() @IsObject() extra?: Record<string, unknown>;
  @IsOptional() @ValidateNested() @Type(() => ChannelRuleDto) ruleOverride?: ChannelRuleDto | null;
}

/** `?limit&offset`, or `?limit&cursor` (the previous page's nextCursor; stable while listings change). */
export class ListListingsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @IsString() @Length(1, 1024) cursor?: string;
  @IsOptional() @IsString() @Length(1, 128) sku?: string;
}

export interface ListingResponseDto {
  id: string;
  channelId: string;
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
  ruleOverride: RuleOverride | null;
  dirty: boolean; // a push is pending
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastPushedQuantity: number | null;
  lastPushedAt: string | null;
  createdAt: string;
}

export interface ListingPageDto {
  items: ListingResponseDto[];
  nextCursor: string | null;
}

export const toListingResponse = (l: ListingEntity): ListingResponseDto => ({
  id: l.id,
  channelId: l.channelId,
  sku: l.sku,
  externalId: l.externalId,
  extra: l.extra,
  ruleOverride: l.ruleOverride,
  dirty: BigInt(l.dirtySeq) > BigInt(l.pushedSeq),
  attempts: l.attempts,
  nextAttemptAt: l.nextAttemptAt?.toISOString() ?? null,
  lastError: l.lastError,
  lastPushedQuantity: l.lastPushedQuantity,
  lastPushedAt: l.lastPushedAt?.toISOString() ?? null,
  createdAt: l.createdAt.toISOString(),
});
