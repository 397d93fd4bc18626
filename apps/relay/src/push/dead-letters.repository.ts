import { Injectable } from '@nestjs/common';
import { isRecord } from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import { isUuid } from '../tenants/tenants.repository';
import type { DeadLetterStatus } from './dto/dead-letter.dto';
import { DeadLetterEntity } from './entities/dead-letter.entity';
import { returnedRows } from '../database/query-results';

export interface DeadLetterFilter {
  channelId?: string;
  sku?: string;
  status?: DeadLetterStatus;
}

/** Newest first; the keyset is (created_at in microseconds, id), exact where a JS Date would round. */
export interface DeadLetterKey {
  createdUs: string;
  id: string;
}

export type DeadLetterWindow =
  { limit: number; offset: number } | { limit: number; after: DeadLetterKey | null };

export type ReplayTarget = { ids: readonly string[] } | { channelId: string };

const OPEN = 'd.replayed_at IS NULL AND d.discarded_at IS NULL';
const STATUS_SQL: Record<DeadLetterStatus, string> = {
  open: OPEN,
  replayed: 'd.replayed_at IS NOT NULL',
  discarded: 'd.discarded_at IS NOT NULL',
};

const returnedRecords = (result: unknown): Record<string, unknown>[] => returnedRows(result).filter(isRecord);

/** Admin reads and state changes of dead letters; every query takes the tenant. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly db: DataSource) {}

  /** One row more than `limit`, so the caller knows whether there is a next page. */
  async page(
    tenantId: string,
    filter: DeadLetterFilter,
    window: DeadLetterWindow,
  ): Promise<Array<{ letter: DeadLetterEntity; key: DeadLetterKey }>> {
    const q = this.db
      .getRepository(DeadLetterEntity)
      .createQueryBuilder('d')
      .addSelect(`(extract(epoch FROM d.created_at) * 1000000)::bigint::text`, 'created_us')
      .where('d.tenant_id = :tenantId', { tenantId })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(window.limit + 1);
    if (filter.channelId !== undefined)
      q.andWhere('d.channel_id = :channelId', { channelId: filter.channelId });
    if (filter.sku !== undefined) q.andWhere('d.sku = :sku', { sku: filter.sku });
    if (filter.status !== undefined) q.andWhere(STATUS_SQL[filter.status]);
    if ('offset' in window) q.offset(window.offset);
    else if (window.after)
      q.andWhere(
        `(d.created_at, d.id) < (timestamptz 'epoch' + :afterUs::bigint * interval '1 microsecond', :afterId::uuid)`,
        { afterUs: window.after.createdUs, afterId: window.after.id },
      );
    const { entities, raw } = await q.getRawAndEntities<Record<string, unknown>>();
    // One entity per raw row here (no joins), in the same order.
    return entities.map((letter, i) => {
      const createdUs = raw[i]?.['created_us'];
      if (typeof createdUs !== 'string')
        throw new Error('dead letters page: created_us missing from the row');
      return { letter, key: { createdUs, id: letter.id } };
    });
  }

  findOne(tenantId: string, id: string): Promise<DeadLetterEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.getRepository(DeadLetterEntity).findOneBy({ tenantId, id });
  }

  findMany(tenantId: string, ids: readonly string[]): Promise<DeadLetterEntity[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return Promise.resolve([]);
    return this.db
      .getRepository(DeadLetterEntity)
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId AND d.id IN (:...ids)', { tenantId, ids: valid })
      .getMany();
  }

  /** Open dead letters of a channel whose listing was deleted: they can only be discarded. */
  orphansOf(tenantId: string, channelId: string, limit: number): Promise<DeadLetterEntity[]> {
    return this.db
      .getRepository(DeadLetterEntity)
      .createQueryBuilder('d')
      .where(`d.tenant_id = :tenantId AND d.channel_id = :channelId AND ${OPEN}`, { tenantId, channelId })
      .andWhere('NOT EXISTS (SELECT 1 FROM listings l WHERE l.id = d.listing_id)')
      .orderBy('d.created_at', 'DESC')
      .limit(limit)
      .getMany();
  }

  async listingExists(tenantId: string, listingId: string): Promise<boolean> {
    const rows: unknown = await this.db.query(`SELECT 1 FROM listings WHERE id = $1 AND tenant_id = $2`, [
      listingId,
      tenantId,
    ]);
    return Array.isArray(rows) && rows.length > 0;
  }

  async channelExists(tenantId: string, channelId: string): Promise<boolean> {
    if (!isUuid(channelId)) return false;
    const rows: unknown = await this.db.query(`SELECT 1 FROM channels WHERE id = $1 AND tenant_id = $2`, [
      channelId,
      tenantId,
    ]);
    return Array.isArray(rows) && rows.length > 0;
  }

  /**
   * Replays open dead letters in one statement: each is marked replayed and its listing made dirty again with
   * fresh attempts, so the push sends the CURRENT desired quantity (not the one that failed). Several letters of
   * one listing cost one push. Letters whose listing was deleted stay open (nothing to push; discard them).
   * Returns the replayed letters with their channel, to nudge.
   */
  async replay(tenantId: string, target: ReplayTarget): Promise<Array<{ id: string; channelId: string }>> {
    const byIds = 'ids' in target;
    const result: unknown = await this.db.query(
      `WITH letters AS (
         UPDATE dead_letters d SET replayed_at = now()
          WHERE d.tenant_id = $1 AND ${OPEN}
            AND (CASE WHEN $2 THEN d.id = ANY ($3::uuid[]) ELSE d.channel_id = $4::uuid END)
            AND EXISTS (SELECT 1 FROM listings l WHERE l.id = d.listing_id AND l.tenant_id = d.tenant_id)
          RETURNING d.id, d.channel_id, d.listing_id
       ), touched AS ( -- runs to completion although the SELECT below does not read it
         UPDATE listings l SET dirty_seq = l.dirty_seq + 1, dirty_since = COALESCE(l.dirty_since, now()),
                attempts = 0, next_attempt_at = NULL
          WHERE l.tenant_id = $1 AND l.id IN (SELECT listing_id FROM letters)
          RETURNING l.id
       )
       SELECT id, channel_id FROM letters`,
      [tenantId, byIds, byIds ? target.ids.filter(isUuid) : [], byIds ? null : target.channelId],
    );
    const rows = Array.isArray(result) ? (result as unknown[]).filter(isRecord) : [];
    return rows.flatMap((r) =>
      typeof r['id'] === 'string' && typeof r['channel_id'] === 'string'
        ? [{ id: r['id'], channelId: r['channel_id'] }]
        : [],
    );
  }

  /** Marks an open dead letter discarded (nothing will push it); false when it is not open or not this tenant's. */
  async discard(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = returnedRecords(
      await this.db.query(
        `UPDATE dead_letters d SET discarded_at = now() WHERE d.id = $1 AND d.tenant_id = $2 AND ${OPEN} RETURNING d.id`,
        [id, tenantId],
      ),
    );
    return rows.length > 0;
  }
}
