import { Injectable } from '@nestjs/common';
import type { RuleOverride } from '@stockbridge/shared';
import { DataSource, In } from 'typeorm';
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

/** A listing's new target or override; absent fields stay as they are, `ruleOverride: null` removes it. */
export interface ListingChanges {
  externalId?: string;
  extra?: Record<string, unknown>;
  ruleOverride?: RuleOverride | null;
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

  /**
   * Creates the listings whose SKU the channel does not list yet (a listing created meanwhile wins, without an
   * error). Returns only the rows created; all are dirty, like any new listing.
   */
  async createMany(listings: readonly NewListing[]): Promise<ListingEntity[]> {
    if (listings.length === 0) return [];
    const rows: unknown = await this.db.query(
      `INSERT INTO listings (tenant_id, channel_id, sku, external_id, extra, rule_override)
       SELECT r.tenant_id, r.channel_id, r.sku, r.external_id, COALESCE(r.extra, '{}'::jsonb), r.rule_override
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, channel_id uuid, sku text, external_id text,
                                                 extra jsonb, rule_override jsonb)
       ON CONFLICT (channel_id, sku) DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          listings.map((l) => ({
            tenant_id: l.tenantId,
            channel_id: l.channelId,
            sku: l.sku,
            external_id: l.externalId,
            extra: l.extra,
            rule_override: l.ruleOverride,
          })),
        ),
      ],
    );
    const ids = (Array.isArray(rows) ? (rows as unknown[]) : []).flatMap((r) =>
      typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'string' ? [r.id] : [],
    );
    if (ids.length === 0) return [];
    return this.db.getRepository(ListingEntity).find({ where: { id: In(ids) }, order: { sku: 'ASC' } });
  }

  /**
   * Applies a fix to a listing's target or override and makes it due now: dirty again, its backoff forgotten.
   * A new target also forgets the last pushed quantity, which was shown on the OLD target and must not let the
   * push skip the new one as "unchanged". Null when the listing does not exist on this channel.
   */
  async update(
    tenantId: string,
    channelId: string,
    id: string,
    changes: ListingChanges,
  ): Promise<ListingEntity | null> {
    if (!isUuid(id)) return null;
    const newTarget = changes.externalId !== undefined || changes.extra !== undefined;
    const result: unknown = await this.db.query(
      `UPDATE listings
          SET external_id = COALESCE($4, external_id),
              extra = COALESCE($5::jsonb, extra),
              rule_override = CASE WHEN $6 THEN $7::jsonb ELSE rule_override END,
              last_pushed_quantity = CASE WHEN $8 THEN NULL ELSE last_pushed_quantity END,
              dirty_seq = dirty_seq + 1, dirty_since = COALESCE(dirty_since, now()),
              attempts = 0, next_attempt_at = NULL
        WHERE id = $1 AND tenant_id = $2 AND channel_id = $3
        RETURNING id`,
      [
        id,
        tenantId,
        channelId,
        changes.externalId ?? null,
        changes.extra === undefined ? null : JSON.stringify(changes.extra),
        changes.ruleOverride !== undefined,
        changes.ruleOverride ? JSON.stringify(changes.ruleOverride) : null,
        newTarget,
      ],
    );
    // TypeORM answers UPDATE ... RETURNING with [rows, rowCount]
    const [, affected] = Array.isArray(result) ? (result as unknown[]) : [];
    if (affected === 0 || typeof affected !== 'number') return null;
    return this.db.getRepository(ListingEntity).findOneBy({ id, tenantId, channelId });
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
