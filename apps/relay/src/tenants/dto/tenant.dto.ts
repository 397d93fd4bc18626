import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import type { TenantEntity } from '../entities/tenant.entity';

export class CreateTenantDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
}

/** `?limit&offset`, filter `name` (substring, any case). */
export class ListTenantsQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
}

export interface TenantResponseDto {
  id: string;
  name: string;
  createdAt: string;
}

export interface TenantPageDto {
  items: TenantResponseDto[];
  nextOffset: number | null;
}

export const toTenantResponse = (t: TenantEntity): TenantResponseDto => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
});
