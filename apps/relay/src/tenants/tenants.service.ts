import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { ListTenantsQueryDto } from './dto/tenant.dto';
import type { TenantEntity } from './entities/tenant.entity';
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantsRepository) {}

  create(name: string): Promise<TenantEntity> {
    return this.tenants.create(name);
  }

  async page(q: ListTenantsQueryDto): Promise<{ items: TenantEntity[]; nextOffset: number | null }> {
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    const rows = await this.tenants.page({ name: q.name }, { limit, offset });
    return { items: rows.slice(0, limit), nextOffset: rows.length > limit ? offset + limit : null };
  }

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.tenants.findOne(id);
    if (!tenant) throw new DomainError('TENANT_NOT_FOUND', `Tenant ${id} not found`);
    return tenant;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.tenants.findOne(id)) !== null;
  }
}
