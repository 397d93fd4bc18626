import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { offsetPage, type OffsetPage } from '../common/paging/offset-page';
import type { ListTenantsQueryDto } from './dto/tenant.dto';
import type { TenantEntity } from './entities/tenant.entity';
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantsRepository) {}

  create(name: string): Promise<TenantEntity> {
    return this.tenants.create(name);
  }

  page(q: ListTenantsQueryDto): Promise<OffsetPage<TenantEntity>> {
    return offsetPage(q, (window) => this.tenants.page({ name: q.name }, window));
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
