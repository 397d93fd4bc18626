import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import { ApiKeyEntity } from './entities/api-key.entity';

/** How often last_used_at is written for one key: a busy script should not turn every read into a write. */
const LAST_USED_RESOLUTION = '1 minute';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ApiKeyEntity);
  }

  create(tenantId: string, name: string, keyHash: string, keyPrefix: string): Promise<ApiKeyEntity> {
    return this.repo.save(this.repo.create({ tenantId, name, keyHash, keyPrefix }));
  }

  /** One row more than `limit`, so the caller knows a next page exists. */
  page(
    tenantId: string,
    filter: { revoked?: boolean },
    window: { limit: number; offset: number },
  ): Promise<ApiKeyEntity[]> {
    const q = this.repo
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId', { tenantId })
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .offset(window.offset)
      .limit(window.limit + 1);
    if (filter.revoked === true) q.andWhere('k.revoked_at IS NOT NULL');
    if (filter.revoked === false) q.andWhere('k.revoked_at IS NULL');
    return q.getMany();
  }

  findOne(tenantId: string, id: string): Promise<ApiKeyEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.repo.findOneBy({ tenantId, id });
  }

  /** Idempotent: revoking twice keeps the first time. */
  async revoke(tenantId: string, id: string): Promise<ApiKeyEntity | null> {
    if (!isUuid(id)) return null;
    await this.db.query(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return this.findOne(tenantId, id);
  }

  /**
   * The key's id and tenant unless unknown or revoked, read on every request (no cache: a revoke takes effect on
   * the next request). last_used_at moves at most once per LAST_USED_RESOLUTION.
   */
  async findActive(keyHash: string): Promise<{ id: string; tenantId: string } | null> {
    const rows: Array<{ id: string; tenant_id: string }> = await this.db.query(
      `SELECT id, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    const row = rows[0];
    if (!row) return null;
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')`,
      [row.id],
    );
    return { id: row.id, tenantId: row.tenant_id };
  }
}
