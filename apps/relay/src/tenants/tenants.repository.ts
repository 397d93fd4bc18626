import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantEntity } from './entities/tenant.entity';
import { escapeLike } from '../database/query-results';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string): boolean => UUID.test(v);

@Injectable()
export class TenantsRepository {
  constructor(private readonly db: DataSource) {}

  create(name: string): Promise<TenantEntity> {
    const repo = this.db.getRepository(TenantEntity);
    return repo.save(repo.create({ name }));
  }

  /** Oldest first; `name` matches case-insensitively anywhere in the name. One row more than `limit`. */
  page(filter: { name?: string }, window: { limit: number; offset: number }): Promise<TenantEntity[]> {
    const q = this.db
      .getRepository(TenantEntity)
      .createQueryBuilder('t')
      .orderBy('t.created_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .offset(window.offset)
      .limit(window.limit + 1);
    if (filter.name !== undefined)
      q.where(`t.name ILIKE '%' || :name || '%' ESCAPE '\\'`, {
        name: escapeLike(filter.name),
      });
    return q.getMany();
  }

  /** Null for a malformed id too: a bad id in a URL is simply a tenant that does not exist. */
  findOne(id: string): Promise<TenantEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.getRepository(TenantEntity).findOneBy({ id });
  }
}
