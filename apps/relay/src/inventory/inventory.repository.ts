import { Injectable } from '@nestjs/common';
import type { LevelEventV1 } from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import type { AgentRef } from '../agents/agent-ref';
import { StockLevelEntity } from './entities/stock-level.entity';

export interface AppliedFrame {
  eventsLogged: number; // new rows in level_events (a redelivered event adds none)
  levelsChanged: number; // stock_levels rows that moved to a newer version
  dirtyChannelIds: string[]; // channels with at least one listing newly marked dirty
}

/**
 * One statement per frame, so one round trip and one implicit transaction: the event log, the version-guarded
 * levels and the dirty listings commit together or not at all. All CTEs read the same snapshot, so `old` below
 * is the level before this frame.
 */
const APPLY_FRAME_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS e(
    "eventId" text, "productId" bigint, sku text, barcode text, warehouse text, "onHand" numeric, free numeric,
    forecast numeric, active boolean, version bigint, "observedAt" timestamptz, "correlationId" text)
),
newest AS ( -- a frame may carry several readings of one product: only the newest may win
  SELECT DISTINCT ON (warehouse, "productId") * FROM input ORDER BY warehouse, "productId", version DESC
),
upserted AS ( -- version guard: a level only moves forward, so duplicates and late events change nothing
  INSERT INTO stock_levels AS l (tenant_id, agent_id, warehouse, product_id, sku, barcode, on_hand, free, forecast,
    active, version, observed_at, correlation_id, updated_at)
  SELECT $1, $2, warehouse, "productId", sku, barcode, "onHand", free, forecast, active, version, "observedAt",
    "correlationId", now()
    FROM newest
  ON CONFLICT ON CONSTRAINT pk_stock_levels DO UPDATE SET sku = excluded.sku, barcode = excluded.barcode,
    on_hand = excluded.on_hand, free = excluded.free, forecast = excluded.forecast, active = excluded.active,
    version = excluded.version, observed_at = excluded.observed_at, correlation_id = excluded.correlation_id,
    updated_at = now()
    WHERE l.version < excluded.version
  RETURNING l.tenant_id, l.agent_id, l.warehouse, l.product_id, l.sku, l.on_hand, l.free, l.forecast, l.active
),
applied AS ( -- the events that became the current level
  SELECT n."eventId" FROM newest n JOIN upserted u ON u.warehouse = n.warehouse AND u.product_id = n."productId"
),
logged AS ( -- append-only; a redelivered event id inserts nothing
  INSERT INTO level_events (tenant_id, agent_id, event_id, frame_id, product_id, sku, warehouse, on_hand, free,
    forecast, active, version, observed_at, applied, correlation_id)
  SELECT $1, $2, i."eventId", $4, i."productId", i.sku, i.warehouse, i."onHand", i.free, i.forecast, i.active,
    i.version, i."observedAt", i."eventId" IN (SELECT "eventId" FROM applied), i."correlationId"
    FROM input i
  ON CONFLICT (tenant_id, event_id) DO NOTHING
  RETURNING 1
),
changes AS ( -- a newer version with the same figures changes no channel quantity: no push for it
  SELECT u.sku, old.sku AS old_sku
    FROM upserted u
    LEFT JOIN LATERAL ( -- one primary-key probe per changed row, never a scan of the tenant's levels
      -- The whole key comes from the upserted row, not from $1/$2: with statistics gathered before this tenant had
      -- levels, a constant tenant_id looks like ~1 row and the planner would scan all of the tenant's levels for
      -- every changed row. Column-to-column equality on the full primary key can only be a unique-index probe.
      SELECT s.product_id, s.sku, s.on_hand, s.free, s.forecast, s.active FROM stock_levels s
       WHERE s.tenant_id = u.tenant_id AND s.agent_id = u.agent_id AND s.warehouse = u.warehouse
         AND s.product_id = u.product_id
       LIMIT 1 -- keeps the planner from flattening this into a hash join over the levels
    ) old ON true
   WHERE old.product_id IS NULL
      OR (old.sku, old.on_hand, old.free, old.forecast, old.active)
         IS DISTINCT FROM (u.sku, u.on_hand, u.free, u.forecast, u.active)
),
changed_skus AS ( -- a renamed SKU dirties the listings of its old name too
  SELECT sku FROM changes WHERE sku IS NOT NULL UNION SELECT old_sku FROM changes WHERE old_sku IS NOT NULL
),
dirtied AS (
  -- One (tenant_id, sku) index probe per SKU, whatever the statistics: with "sku = ANY (...)" a tenant whose
  -- listings arrived after the last ANALYZE looks like ~1 row, and the planner walks all of them filtering on
  -- the SKU (100,000 listings: ~590 ms a frame instead of ~6 ms). OFFSET 0 keeps the probe from being flattened.
  UPDATE listings SET dirty_seq = dirty_seq + 1, dirty_since = COALESCE(dirty_since, now())
   WHERE id IN (SELECT m.id FROM changed_skus c
                 CROSS JOIN LATERAL (SELECT l.id FROM listings l WHERE l.tenant_id = $1 AND l.sku = c.sku OFFSET 0) m)
  RETURNING channel_id
)
SELECT (SELECT count(*) FROM logged)::int AS "eventsLogged",
       (SELECT count(*) FROM upserted)::int AS "levelsChanged",
       COALESCE((SELECT array_agg(DISTINCT channel_id::text) FROM dirtied), '{}'::text[]) AS "dirtyChannelIds"`;

/** The only class of the inventory feature that writes SQL; every query takes the tenant. */
@Injectable()
export class InventoryRepository {
  constructor(private readonly db: DataSource) {}

  async applyFrame(agent: AgentRef, frameId: string, events: readonly LevelEventV1[]): Promise<AppliedFrame> {
    const rows: AppliedFrame[] = await this.db.query(APPLY_FRAME_SQL, [
      agent.tenantId,
      agent.agentId,
      JSON.stringify(events),
      frameId,
    ]);
    const [row] = rows;
    if (!row) throw new Error('applyFrame: the statement returned no row');
    return row;
  }

  findBySku(tenantId: string, sku: string): Promise<StockLevelEntity[]> {
    return this.db
      .getRepository(StockLevelEntity)
      .find({ where: { tenantId, sku }, order: { agentId: 'ASC', warehouse: 'ASC', productId: 'ASC' } });
  }
}
