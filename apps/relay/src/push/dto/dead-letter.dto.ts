import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import type { DeadLetterEntity } from '../entities/dead-letter.entity';

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';
export const DEAD_LETTER_STATUSES: readonly DeadLetterStatus[] = ['open', 'replayed', 'discarded'];

/** `?channelId&sku&status` filters; `?limit&offset` or `?limit&cursor` (the previous page's nextCursor). */
export class ListDeadLettersQueryDto {
  @IsOptional() @IsUUID() channelId?: string;
  @IsOptional() @IsString() @Length(1, 128) sku?: string;
  @IsOptional() @IsIn(DEAD_LETTER_STATUSES) status?: DeadLetterStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @IsString() @Length(1, 1024) cursor?: string;
}

/** Replays the given dead letters, or every open one of a channel: exactly one of `ids` and `channelId`. */
export class ReplayDeadLettersDto {
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsUUID('all', { each: true }) ids?: string[];
  @IsOptional() @IsUUID() channelId?: string;
}

export interface DeadLetterResponseDto {
  id: string;
  channelId: string;
  listingId: string;
  sku: string;
  quantity: number | null; // what could not be pushed; a replay pushes the CURRENT quantity instead
  errorCode: string;
  errorMessage: string; // the channel API's own text
  attempts: number;
  status: DeadLetterStatus;
  firstFailedAt: string;
  createdAt: string;
  replayedAt: string | null;
  discardedAt: string | null;
}

export interface DeadLetterPageDto {
  items: DeadLetterResponseDto[];
  nextCursor: string | null;
}

export interface ReplayResultDto {
  replayed: string[]; // dead letter ids whose listings are pushed again
  skipped: Array<{ id: string; reason: string }>;
}

export const statusOf = (d: DeadLetterEntity): DeadLetterStatus =>
  d.discardedAt !== null ? 'discarded' : d.replayedAt !== null ? 'replayed' : 'open';

export const toDeadLetterResponse = (d: DeadLetterEntity): DeadLetterResponseDto => ({
  id: d.id,
  channelId: d.channelId,
  listingId: d.listingId,
  sku: d.sku,
  quantity: d.quantity,
  errorCode: d.errorCode,
  errorMessage: d.errorMessage,
  attempts: d.attempts,
  status: statusOf(d),
  firstFailedAt: d.firstFailedAt.toISOString(),
  createdAt: d.createdAt.toISOString(),
  replayedAt: d.replayedAt?.toISOString() ?? null,
  discardedAt: d.discardedAt?.toISOString() ?? null,
});
