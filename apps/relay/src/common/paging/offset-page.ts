import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 100;

/** `?limit&offset`: the window of an offset-paged list; list DTOs extend it with their filters. */
export class OffsetPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export interface OffsetPage<T> {
  items: T[];
  nextOffset: number | null;
}

/** Asks `fetch` for one row more than the page, so the answer can say whether another page follows. */
export async function offsetPage<T>(
  q: { limit?: number; offset?: number },
  fetch: (window: { limit: number; offset: number }) => Promise<T[]>,
): Promise<OffsetPage<T>> {
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  const offset = q.offset ?? 0;
  const rows = await fetch({ limit, offset });
  return { items: rows.slice(0, limit), nextOffset: rows.length > limit ? offset + limit : null };
}
