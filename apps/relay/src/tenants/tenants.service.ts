import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { TenantEntity } from './entities/tenant.entity';
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantsRepository) {}

  create(name: string): Promise<TenantEntity> {
    return this.tenants.create(name);
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
