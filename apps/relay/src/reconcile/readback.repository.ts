import { Injectable } from '@nestjs/common';
import {
  isBoolean,
  isRecord,
  isText,
  type Parsed,
  type RuleOverride,
  type WarehouseQuantities,
} from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import { parseRuleOverride } from '../push/push-rows';
import { asRows, toNumber } from '../database/query-results';

/** One listing as the read-back sees it: where it lives, what it should show, whether a push is pending. */
export interface ReadbackListing {
  id: string;
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
  ruleOverride: Parsed<RuleOverride | null>;
  dirtySeq: string; // bigints as text: compared in SQL only
  pushedSeq: string;
  lastPushedAt: Date | null;
  levels: WarehouseQuantities[];
}

function parseLevels(raw: unknown, at: string): WarehouseQuantities[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${at}: levels must be an array`);
  return raw.map((l: unknown, i) => {
    const onHand = isRecord(l) ? toNumber(l['onHand']) : null;
    const free = isRecord(l) ? toNumber(l['free']) : null;
    const forecast = isRecord(l) ? toNumber(l['forecast']) : null;
    if (!isRecord(l) || !isText(l['warehouse']) || !isBoolean(l['active']))
      throw new Error(`${at}: levels[${i}] unreadable`);
    if (onHand === null || free === null || forecast === null)
      throw new Error(`${at}: levels[${i}] not a number`);
    return { warehouse: l['warehouse'], onHand, free, forecast, active: l['active'] };
  });
}

export function parseReadbackRow(raw: unknown): ReadbackListing {
  if (!isRecord(raw) || !isText(raw['id'])) throw new Error('reconcile: expected a listing row');
  const at = `listing ${raw['id']}`;
  const { id, sku, external_id, extra, dirty_seq, pushed_seq, last_pushed_at } = raw;
  if (!isText(sku) || typeof external_id !== 'string')
    throw new Error(`${at}: sku or external_id unreadable`);
  if (!isText(dirty_seq) || !isText(pushed_seq)) throw new Error(`${at}: dirty_seq or pushed_seq unreadable`);
  if (last_pushed_at !== null && !(last_pushed_at instanceof Date))
    throw new Error(`${at}: last_pushed_at unreadable`);
  return {
    id,
    sku,
    externalId: external_id,
    extra: isRecord(extra) ? extra : {},
    ruleOverride: parseRuleOverride(raw['rule_override'], 'rule_override'),
    dirtySeq: dirty_seq,
    pushedSeq: pushed_seq,
    lastPushedAt: last_pushed_at,
    levels: parseLevels(raw['levels'], at),
  };
}

/** What the read-back found wrong with one listing, to be pushed again. */
export interface Remark {
  id: string;
  dirtySeq: string;
  pushedSeq: string;
}

/** The listings side of the read-back: pages of a channel's listings with their levels, and marks for a push. */
@Injectable()
export class ReadbackRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * A page of the channel's listings after the SKU `afterSku` (keyset on the (channel_id, sku) unique index),
   * each with every level of its SKU. Two index scans rather than one join, so the plan stays the same for a
   * tenant whose tables have no planner statistics yet.
   */
  async page(
    channelId: string,
    tenantId: string,
    afterSku: string | null,
    limit: number,
  ): Promise<ReadbackListing[]> {
    // Two texts rather than "($4 IS NULL OR sku > $4)": a generic plan cannot use that as an index bound.
    const after = afterSku === null ? '' : 'AND sku > $4::text';
    const listings = asRows(
      await this.db.transaction(async (tx): Promise<unknown> => {
        // The page must be a walk of uq_listings_channel_sku that stops after `limit` rows. Statistics taken
        // before a bulk import make the rest of the channel look like a few rows, and the planner would rather
        // fetch all of them and sort: every page then reads the channel's remainder (100,000 listings: ~60 ms a
        // page, O(n²) over the run, instead of ~1 ms).
        await tx.query(
          `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off`,
        );
        const rows: unknown = await tx.query(
          `SELECT l.id, l.sku, l.external_id, l.extra, l.rule_override, l.dirty_seq::text AS dirty_seq,
                  l.pushed_seq::text AS pushed_seq, l.last_pushed_at
             FROM (SELECT * FROM listings WHERE channel_id = $1 ${after} ORDER BY sku LIMIT $3) l
            WHERE l.tenant_id = $2
            ORDER BY l.sku`,
          afterSku === null ? [channelId, tenantId, limit] : [channelId, tenantId, limit, afterSku],
        );
        return rows;
      }),
    );
    const skus = [...new Set(listings.flatMap((l) => (isRecord(l) && isText(l['sku']) ? [l['sku']] : [])))];
    const levels = new Map<string, unknown[]>();
    if (skus.length > 0)
      for (const row of asRows(
        await this.db.query(
          // One (tenant_id, sku) index probe per SKU. With `s.sku = ANY ($2)` a tenant whose levels arrived after
          // the last ANALYZE looks like ~1 row, and the planner walks all of its levels filtering on the SKU
          // (100,000 products: ~130 ms a page instead of ~3 ms). OFFSET 0 keeps the probe from being flattened.
          `SELECT s.sku, s.warehouse, s.on_hand::float8 AS "onHand", s.free::float8 AS free,
                  s.forecast::float8 AS forecast, s.active
             FROM unnest($2::text[]) AS k(sku)
            CROSS JOIN LATERAL (SELECT * FROM stock_levels WHERE tenant_id = $1 AND sku = k.sku OFFSET 0) s`,
          [tenantId, skus],
        ),
      )) {
        if (!isRecord(row) || !isText(row['sku'])) continue;
        const list = levels.get(row['sku']) ?? [];
        levels.set(row['sku'], list);
        list.push(row);
      }
    return listings.map((l) =>
      parseReadbackRow(isRecord(l) ? { ...l, levels: levels.get(String(l['sku'])) ?? [] } : l),
    );
  }

  /**
   * Marks listings dirty so the push pipeline sends their CURRENT desired quantity, forgetting what was pushed
   * last (else the worker would see "unchanged" and skip the call). Only listings still exactly as read: one
   * pushed or dirtied meanwhile is already being taken care of. Returns the ids marked.
   */
  async markForPush(channelId: string, listings: readonly Remark[]): Promise<Set<string>> {
    if (listings.length === 0) return new Set();
    // Rows picked by primary key, with the channel guard written so that no channel index can serve it: with
    // statistics from before a bulk import the planner would otherwise hash every listing of the channel for
    // each page (100,000 listings: 50-95 ms a call, against well under 1 ms).
    const [rows] = asRows(
      await this.db.query(
        `UPDATE listings l
            SET dirty_seq = l.dirty_seq + 1, dirty_since = COALESCE(l.dirty_since, now()), last_pushed_quantity = NULL,
                attempts = 0, next_attempt_at = NULL
           FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS r(id, dirty_seq, pushed_seq)
          WHERE l.id = ANY ($2::uuid[]) AND l.id = r.id AND l.channel_id IS NOT DISTINCT FROM $1
            AND l.dirty_seq = r.dirty_seq AND l.pushed_seq = r.pushed_seq
          RETURNING l.id`,
        [
          channelId,
          listings.map((l) => l.id),
          listings.map((l) => l.dirtySeq),
          listings.map((l) => l.pushedSeq),
        ],
      ),
    );
    return new Set(asRows(rows).flatMap((r) => (isRecord(r) && isText(r['id']) ? [r['id']] : [])));
  }
}
