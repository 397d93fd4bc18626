import { Injectable } from '@nestjs/common';
import type { RuleOverride } from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import { ListingEntity } from './entities/listing.entity';

export interface NewListing {
  tenantId: string;
  channelId: string;
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
  ruleOverride: RuleOverride | null;
}

export type ListingPage =
  | { limit: number; sku?: string; offset: number }
  | { limit: number; sku?: string; after: { sku: string; id: string } | null };

@Injectable()
export class ListingsRepository {
  constructor(private readonly db: DataSource) {}

  /** A new listing is dirty (dirty_seq 1 > pushed_seq 0): its first push is due at once. */
  create(listing: NewListing): Promise<ListingEntity> {
    const repo = this.db.getRepository(ListingEntity);
    return repo.save(repo.create(listing));
  }

  /** Ordered by (sku, id): keyset pages stay stable while listings are added or removed. Fetches one extra row. */
  page(tenantId: string, channelId: string, page: ListingPage): Promise<ListingEntity[]> {
    const q = this.db
      .getRepository(ListingEntity)
      .createQueryBuilder('l')
      .where('l.tenant_id = :tenantId AND l.channel_id = :channelId', { tenantId, channelId })
      .orderBy('l.sku', 'ASC')
      .addOrderBy('l.id', 'ASC')
      .limit(page.limit + 1);
    if (page.sku !== undefined) q.andWhere('l.sku = :sku', { sku: page.sku });
    if ('offset' in page) q.offset(page.offset);
    else if (page.after)
      q.andWhere('(l.sku, l.id) > (:afterSku, :afterId)', {
        afterSku: page.after.sku,
        afterId: page.after.id,
      });
    return q.getMany();
  }

  /** True when a listing was deleted. */
  async delete(tenantId: string, channelId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.db.getRepository(ListingEntity).delete({ tenantId, channelId, id });
    return (result.affected ?? 0) > 0;
  }
}
