import { IsString, Length } from 'class-validator';
import type { TenantEntity } from '../entities/tenant.entity';

export class CreateTenantDto {
  @IsString() @Length(1, 200) name!: string;
}

export interface TenantResponseDto {
  id: string;
  name: string;
  createdAt: string;
}

export const toTenantResponse = (t: TenantEntity): TenantResponseDto => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
});
