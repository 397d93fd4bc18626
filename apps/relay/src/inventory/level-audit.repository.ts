import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LevelEventEntity } from './entities/level-event.entity';
import { StockLevelEntity } from './entities/stock-level.entity';
import { escapeLike } from '../database/query-results';

/** One listing of a SKU with what its channel needs to compute the desired quantity. */
export interface ListingOfSku {
  channelId: string;
  channelName: string;
  channelKind: string;
  paused: boolean;
  rule: unknown; // jsonb: parsed by the caller
  listingId: string;
  externalId: string;
  ruleOverride: unknown; // jsonb: parsed by the caller
  dirty: boolean;
  attempts: number;
  lastError: string | null;
  lastPushedQuantity: number | null;
  lastPushedAt: Date | null;
}

/** One push-log row, as the trace of an event shows it. */
export interface TracedDelivery {
  id: string;
  channelId: string;
  listingId: string;
  quantity: number;
  status: string;
  error: string | null;
  attempt: number;
  createdAt: Date;
}

export interface EventFilter {
  sku?: string;
  from?: Date;
  to?: Date;
}

/** Read-only views across levels, listings and the push log for the admin; every query takes the tenant. */
@Injectable()
export class LevelAuditRepository {
  constructor(private readonly db: DataSource) {}

  /** One row more than `limit`, ordered by SKU, warehouse, agent, product. */
  pageLevels(
    tenantId: string,
    filter: { sku?: string; skuPrefix?: string; warehouse?: string },
    window: { limit: number; offset: number },
  ): Promise<StockLevelEntity[]> {
    const q = this.db
      .getRepository(StockLevelEntity)
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId })
      .orderBy('s.sku', 'ASC', 'NULLS LAST')
      .addOrderBy('s.warehouse', 'ASC')
      .addOrderBy('s.agent_id', 'ASC')
      .addOrderBy('s.product_id', 'ASC')
      .offset(window.offset)
      .limit(window.limit + 1);
    if (filter.sku !== undefined) q.andWhere('s.sku = :sku', { sku: filter.sku });
    if (filter.skuPrefix !== undefined)
      q.andWhere(`s.sku LIKE :prefix || '%' ESCAPE '\\'`, { prefix: escapeLike(filter.skuPrefix) });
    if (filter.warehouse !== undefined)
      q.andWhere('s.warehouse = :warehouse', { warehouse: filter.warehouse });
    return q.getMany();
  }

  async listingsOfSku(tenantId: string, sku: string): Promise<ListingOfSku[]> {
    const rows: ListingOfSku[] = await this.db.query(
      `SELECT c.id AS "channelId", c.name AS "channelName", c.kind AS "channelKind", c.paused, c.rule,
              l.id AS "listingId", l.external_id AS "externalId", l.rule_override AS "ruleOverride",
              l.dirty_seq > l.pushed_seq AS dirty, l.attempts, l.last_error AS "lastError",
              l.last_pushed_quantity AS "lastPushedQuantity", l.last_pushed_at AS "lastPushedAt"
         FROM listings l JOIN channels c ON c.id = l.channel_id AND c.tenant_id = l.tenant_id
        WHERE l.tenant_id = $1 AND l.sku = $2
        ORDER BY c.created_at, c.id`,
      [tenantId, sku],
    );
    return rows;
  }

  /** Newest first by id (ids only grow); one row more than `limit`. */
  pageEvents(
    tenantId: string,
    filter: EventFilter,
    window: { limit: number; offset: number } | { limit: number; beforeId: string | null },
  ): Promise<LevelEventEntity[]> {
    const q = this.db
      .getRepository(LevelEventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId })
      .orderBy('e.id', 'DESC')
      .limit(window.limit + 1);
    if (filter.sku !== undefined) q.andWhere('e.sku = :sku', { sku: filter.sku });
    if (filter.from !== undefined) q.andWhere('e.received_at >= :from', { from: filter.from });
    if (filter.to !== undefined) q.andWhere('e.received_at < :to', { to: filter.to });
    if ('offset' in window) q.offset(window.offset);
    else if (window.beforeId !== null) q.andWhere('e.id < :beforeId::bigint', { beforeId: window.beforeId });
    return q.getMany();
  }

  findEvent(tenantId: string, eventId: string): Promise<LevelEventEntity | null> {
    return this.db.getRepository(LevelEventEntity).findOneBy({ tenantId, eventId });
  }

  findLevel(
    tenantId: string,
    agentId: string,
    warehouse: string,
    productId: string,
  ): Promise<StockLevelEntity | null> {
    return this.db.getRepository(StockLevelEntity).findOneBy({ tenantId, agentId, warehouse, productId });
  }

  /**
   * The pushes of a SKU from `since` on, oldest first, at most `perChannel` per channel: found through the SKU's
   * listings (one per channel) and ix_deliveries_listing_created, never by scanning the push log for the SKU.
   */
  async deliveriesSince(
    tenantId: string,
    sku: string,
    since: Date,
    perChannel: number,
  ): Promise<TracedDelivery[]> {
    const rows: TracedDelivery[] = await this.db.query(
      `SELECT d.id::text AS id, d.channel_id AS "channelId", d.listing_id AS "listingId", d.quantity, d.status,
              d.error, d.attempt, d.created_at AS "createdAt"
         FROM listings l
        CROSS JOIN LATERAL (
          SELECT * FROM deliveries d
           WHERE d.listing_id = l.id AND d.created_at >= $3
           ORDER BY d.created_at, d.id
           LIMIT $4
        ) d
        WHERE l.tenant_id = $1 AND l.sku = $2
        ORDER BY d.channel_id, d.created_at, d.id`,
      [tenantId, sku, since, perChannel],
    );
    return rows;
  }
}
