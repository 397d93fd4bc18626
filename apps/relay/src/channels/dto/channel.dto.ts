import { ApiPropertyOptional } from '@nestjs/swagger';
import type { ChannelRule } from '@stockbridge/shared';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import { QueryBoolean } from '../../common/paging/query-boolean';
import { CHANNEL_KINDS, type ChannelKind } from '../adapters/channel-adapter';
import type { ChannelEntity } from '../entities/channel.entity';
import { ChannelRuleDto } from './channel-rule.dto';

export class CreateChannelDto {
  @IsString() @Length(1, 200) name!: string;
  @IsIn(CHANNEL_KINDS) kind!: ChannelKind;
  @IsObject() config!: Record<string, unknown>;
  @IsObject() credentials!: Record<string, string>; // stored encrypted, never returned
  @IsOptional() @ValidateNested() @Type(() => ChannelRuleDto) rule?: ChannelRuleDto;
  @IsOptional() @IsBoolean() paused?: boolean; // create paused to map listings before the first push
}

/** Any subset. A new rule or config re-pushes every listing of the channel; `credentials` replaces all of them. */
export class UpdateChannelDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsObject() config?: Record<string, unknown>;
  @IsOptional() @IsObject() credentials?: Record<string, string>;
  @IsOptional() @ValidateNested() @Type(() => ChannelRuleDto) rule?: ChannelRuleDto;
  @IsOptional() @IsBoolean() paused?: boolean;
}

/** `?limit&offset`, filters `kind` and `paused=true|false`. */
export class ListChannelsQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional({ enum: CHANNEL_KINDS }) @IsOptional() @IsIn(CHANNEL_KINDS) kind?: ChannelKind;
  @ApiPropertyOptional() @IsOptional() @QueryBoolean() @IsBoolean() paused?: boolean;
}

export interface ChannelResponseDto {
  id: string;
  tenantId: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  rule: ChannelRule;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelPageDto {
  items: ChannelResponseDto[];
  nextOffset: number | null;
}

/** Deliberately no credentials field: they never leave the relay once stored. */
export const toChannelResponse = (c: ChannelEntity): ChannelResponseDto => ({
  id: c.id,
  tenantId: c.tenantId,
  name: c.name,
  kind: c.kind,
  config: c.config,
  rule: c.rule,
  paused: c.paused,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});
