import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { OffsetPageQueryDto } from '../../common/paging/offset-page';
import { QueryBoolean } from '../../common/paging/query-boolean';
import type { ApiKeyEntity } from '../entities/api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
}

/** `?limit&offset`, filter `revoked=true|false`. */
export class ListApiKeysQueryDto extends OffsetPageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  revoked?: boolean;
}

export interface ApiKeyResponseDto {
  id: string;
  tenantId: string;
  name: string;
  keyPrefix: string; // tells keys apart; the key itself is shown once, at creation
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  key: string;
}

export interface ApiKeyPageDto {
  items: ApiKeyResponseDto[];
  nextOffset: number | null;
}

export const toApiKeyResponse = (k: ApiKeyEntity): ApiKeyResponseDto => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  keyPrefix: k.keyPrefix,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});
