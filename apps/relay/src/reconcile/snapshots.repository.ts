import { Injectable } from '@nestjs/common';
import {
  isRecord,
  isSafeInteger,
  isText,
  type SnapshotBeginV1,
  type SnapshotChunkV1,
  type SnapshotEndV1,
} from '@stockbridge/shared';
import { DataSource } from 'typeorm';
import type { AgentRef } from '../agents/agent-ref';
import type { SnapshotStatus } from './entities/reconciliation-snapshot.entity';
import { isUuid } from '../tenants/tenants.repository';
import { asRows, returnedRows } from '../database/query-results';

/** A snapshot as the reconcile feature works with it (bigints as numbers: product ids and versions are < 2^53). */
export interface SnapshotRow {
  id: string;
  runId: string;
  tenantId: string;
  agentId: string;
  status: SnapshotStatus;
  attempt: number;
  pageSize: number;
  warehouses: string[] | null;
  cutoffVersion: number | null;
  begunAt: Date | null;
  lastProductId: number;
  lastSeq: number;
  attemptEvents: number;
  levels: number;
  error: string | null;
  updatedAt: Date;
}

const STATUSES: readonly SnapshotStatus[] = ['requested', 'streaming', 'complete', 'failed'];
const SNAPSHOT_COLUMNS = `id, run_id, tenant_id, agent_id, status, attempt, page_size, warehouses,
  cutoff_version::text AS cutoff_version, begun_at, last_product_id::text AS last_product_id, last_seq,
  attempt_events, levels, error, updated_at`;

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
};

/** The database is an edge too: a row that does not look like a snapshot is an error naming the column. */
export function parseSnapshotRow(raw: unknown): SnapshotRow {
  if (!isRecord(raw)) throw new Error('reconcile: expected a snapshot row');
  const {
    id,
    run_id,
    tenant_id,
    agent_id,
    status,
    attempt,
    page_size,
    warehouses,
    begun_at,
    error,
    updated_at,
  } = raw;
  const bad = (column: string): Error =>
    new Error(`reconcile: snapshot ${String(id)} has an unreadable ${column}`);
  if (!isText(id) || !isText(run_id) || !isText(tenant_id) || !isText(agent_id)) throw bad('id');
  if (!STATUSES.includes(status as SnapshotStatus)) throw bad('status');
  if (!isSafeInteger(attempt) || !isSafeInteger(page_size)) throw bad('attempt');
  if (warehouses !== null && !(Array.isArray(warehouses) && warehouses.every((w) => typeof w === 'string')))
    throw bad('warehouses');
  const lastProductId = num(raw['last_product_id']);
  const cutoff = raw['cutoff_version'] === null ? null : num(raw['cutoff_version']);
  if (lastProductId === null || (raw['cutoff_version'] !== null && cutoff === null))
    throw bad('last_product_id');
  const lastSeq = num(raw['last_seq']);
  const attemptEvents = num(raw['attempt_events']);
  const levels = num(raw['levels']);
  if (lastSeq === null || attemptEvents === null || levels === null) throw bad('counts');
  if (!(updated_at instanceof Date) || (begun_at !== null && !(begun_at instanceof Date))) throw bad('dates');
  return {
    id,
    runId: run_id,
    tenantId: tenant_id,
    agentId: agent_id,
    status: status as SnapshotStatus,
    attempt,
    pageSize: page_size,
    warehouses: warehouses,
    cutoffVersion: cutoff,
    begunAt: begun_at,
    lastProductId,
    lastSeq,
    attemptEvents,
    levels,
    error: typeof error === 'string' ? error : null,
    updatedAt: updated_at,
  };
}

/** A staged level that differs from the relay's current one (or that the relay does not have). */
export interface StagedLevel {
  warehouse: string;
  productId: number;
  sku: string | null;
  barcode: string | null;
  onHand: number;
  free: number;
  forecast: number;
  version: number;
  observedAt: Date;
  eventId: string;
  correlationId: string;
}

/** A relay level that a complete snapshot did not list. */
export interface AbsentLevel {
  warehouse: string;
  productId: number;
  sku: string | null;
  barcode: string | null;
  productListed: boolean; // the product is in the snapshot in another warehouse (this warehouse is gone)
}

const STAGE_CHUNK_SQL = `
WITH accepted AS ( -- the chunk continues exactly where the stored progress ends, in the current attempt
  SELECT id FROM reconciliation_snapshots
   WHERE id = $1 AND tenant_id = $2 AND agent_id = $3 AND attempt = $4 AND status = 'streaming'
     AND last_seq = $5 - 1 AND last_product_id = $6
),
staged AS ( -- one array per column: cheaper to send and unpack than a JSON document
  INSERT INTO reconciliation_snapshot_levels AS st (snapshot_id, warehouse, product_id, sku, barcode, on_hand, free,
    forecast, version, observed_at, event_id, correlation_id)
  SELECT $1, e.* FROM unnest($8::text[], $9::bigint[], $10::text[], $11::text[], $12::numeric[], $13::numeric[],
           $14::numeric[], $15::bigint[], $16::timestamptz[], $17::text[], $18::text[]) AS e
   WHERE EXISTS (SELECT 1 FROM accepted)
  ON CONFLICT ON CONSTRAINT pk_reconciliation_snapshot_levels DO NOTHING
  RETURNING 1
)
UPDATE reconciliation_snapshots s
   SET last_seq = $5, last_product_id = $7, attempt_events = attempt_events + $19,
       levels = levels + (SELECT count(*) FROM staged), updated_at = now()
  FROM accepted a
 WHERE s.id = a.id AND s.last_seq = $5 - 1
RETURNING s.levels`;

/**
 * The snapshot bookkeeping and its staging table. Progress only ever moves by a compare-and-set on (attempt,
 * last_seq, last_product_id), so a chunk of a replaced attempt, a duplicate or one out of order changes nothing.
 */
@Injectable()
export class SnapshotsRepository {
  constructor(private readonly db: DataSource) {}

  async create(
    runId: string,
    tenantId: string,
    agentIds: readonly string[],
    pageSize: number,
    waitMs: number,
  ): Promise<SnapshotRow[]> {
    if (agentIds.length === 0) return [];
    const rows = asRows(
      await this.db.query(
        `INSERT INTO reconciliation_snapshots (run_id, tenant_id, agent_id, page_size, expires_at)
         SELECT $1, $2, a, $4, now() + $5 * interval '1 millisecond' FROM unnest($3::uuid[]) AS a
         RETURNING ${SNAPSHOT_COLUMNS}`,
        [runId, tenantId, agentIds, pageSize, waitMs],
      ),
    );
    return rows.map(parseSnapshotRow);
  }

  async ofRun(runId: string): Promise<SnapshotRow[]> {
    const rows = asRows(
      await this.db.query(
        `SELECT ${SNAPSHOT_COLUMNS} FROM reconciliation_snapshots WHERE run_id = $1 ORDER BY created_at, id`,
        [runId],
      ),
    );
    return rows.map(parseSnapshotRow);
  }

  async findOne(snapshotId: string): Promise<SnapshotRow | null> {
    if (!isUuid(snapshotId)) return null;
    const [row] = asRows(
      await this.db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM reconciliation_snapshots WHERE id = $1`, [
        snapshotId,
      ]),
    );
    return row === undefined ? null : parseSnapshotRow(row);
  }

  /** Open snapshots of these agents that a run still waits for: what an instance sends commands for. */
  async openOf(agentIds: readonly string[]): Promise<SnapshotRow[]> {
    if (agentIds.length === 0) return [];
    const rows = asRows(
      await this.db.query(
        `SELECT ${SNAPSHOT_COLUMNS} FROM reconciliation_snapshots
          WHERE agent_id = ANY ($1::uuid[]) AND status IN ('requested', 'streaming') AND expires_at > now()
          ORDER BY created_at`,
        [agentIds],
      ),
    );
    return rows.map(parseSnapshotRow);
  }

  /** The run is still waiting: keeps its open snapshots alive for `waitMs`; returns them all. */
  async renew(runId: string, waitMs: number): Promise<SnapshotRow[]> {
    await this.db.query(
      `UPDATE reconciliation_snapshots SET expires_at = now() + $2 * interval '1 millisecond'
        WHERE run_id = $1 AND status IN ('requested', 'streaming')`,
      [runId, waitMs],
    );
    return this.ofRun(runId);
  }

  /**
   * Gives up the run's open snapshots that made no progress (no begin, chunk or end) for `timeoutMs`, on the
   * database clock, or that needed more than `maxAttempts` attempts. Returns how many.
   */
  async failStalled(runId: string, timeoutMs: number, maxAttempts: number): Promise<number> {
    const [rows] = asRows(
      await this.db.query(
        `UPDATE reconciliation_snapshots
            SET status = 'failed', updated_at = now(),
                error = CASE WHEN attempt > $3::int THEN 'gave up after ' || $3::int || ' attempts (the connection kept dropping)'
                             WHEN status = 'requested' THEN 'the agent did not start the snapshot within ' || ($2::int / 1000) || ' s'
                             ELSE 'no snapshot progress from the agent for ' || ($2::int / 1000) || ' s' END
          WHERE run_id = $1 AND status IN ('requested', 'streaming')
            AND (updated_at < now() - $2::int * interval '1 millisecond' OR attempt > $3::int)
          RETURNING id`,
        [runId, timeoutMs, maxAttempts],
      ),
    );
    return asRows(rows).length;
  }

  /** Takes the next attempt number if nobody did since `seen` was read; null when someone did. */
  async claimAttempt(snapshotId: string, seen: number): Promise<number | null> {
    const [row] = returnedRows(
      await this.db.query(
        `UPDATE reconciliation_snapshots SET attempt = attempt + 1, status = 'requested', updated_at = now()
          WHERE id = $1 AND attempt = $2 AND status IN ('requested', 'streaming') AND expires_at > now()
          RETURNING attempt`,
        [snapshotId, seen],
      ),
    );
    return isRecord(row) && isSafeInteger(row['attempt']) ? row['attempt'] : null;
  }

  /**
   * An attempt begins where the stored progress ends. The first begin fixes the cutoff version; a resumed attempt
   * must cover the same warehouses (else the caller restarts the snapshot). Null: not accepted.
   */
  async begin(agent: AgentRef, frame: SnapshotBeginV1): Promise<SnapshotRow | null> {
    const [row] = returnedRows(
      await this.db.query(
        `UPDATE reconciliation_snapshots
            SET status = 'streaming', warehouses = $6::text[], cutoff_version = COALESCE(cutoff_version, $7),
                begun_at = COALESCE(begun_at, now()), last_seq = 0, attempt_events = 0, updated_at = now()
          WHERE id = $1 AND tenant_id = $2 AND agent_id = $3 AND attempt = $4 AND status IN ('requested', 'streaming')
            AND last_product_id = $5 AND (last_product_id = 0 OR warehouses = $6::text[])
          RETURNING ${SNAPSHOT_COLUMNS}`,
        [
          frame.snapshotId,
          agent.tenantId,
          agent.agentId,
          frame.attempt,
          frame.resumeAfterProductId,
          frame.warehouses,
          frame.version,
        ],
      ),
    );
    return row === undefined ? null : parseSnapshotRow(row);
  }

  /** Stores a chunk and moves the progress in one statement; null when the chunk does not continue it. */
  async stageChunk(agent: AgentRef, chunk: SnapshotChunkV1): Promise<number | null> {
    const e = chunk.events;
    const [row] = returnedRows(
      await this.db.query(STAGE_CHUNK_SQL, [
        chunk.snapshotId,
        agent.tenantId,
        agent.agentId,
        chunk.attempt,
        chunk.seq,
        chunk.afterProductId,
        chunk.lastProductId,
        e.map((l) => l.warehouse),
        e.map((l) => l.productId),
        e.map((l) => l.sku),
        e.map((l) => l.barcode),
        e.map((l) => l.onHand),
        e.map((l) => l.free),
        e.map((l) => l.forecast),
        e.map((l) => l.version),
        // Date.parse accepts more than PostgreSQL does: normalise so a valid frame never fails in SQL.
        e.map((l) => new Date(l.observedAt).toISOString()),
        e.map((l) => l.eventId),
        e.map((l) => l.correlationId),
        e.length,
      ]),
    );
    return isRecord(row) ? num(row['levels']) : null;
  }

  /** The attempt is complete if the end matches what was stored of it. Null: it does not. */
  async complete(agent: AgentRef, end: SnapshotEndV1): Promise<SnapshotRow | null> {
    const [row] = returnedRows(
      await this.db.query(
        `UPDATE reconciliation_snapshots SET status = 'complete', updated_at = now()
          WHERE id = $1 AND tenant_id = $2 AND agent_id = $3 AND attempt = $4 AND status = 'streaming'
            AND last_seq = $5 AND attempt_events = $6 AND last_product_id = $7
          RETURNING ${SNAPSHOT_COLUMNS}`,
        [
          end.snapshotId,
          agent.tenantId,
          agent.agentId,
          end.attempt,
          end.chunks,
          end.count,
          end.lastProductId,
        ],
      ),
    );
    return row === undefined ? null : parseSnapshotRow(row);
  }

  /** Starts the snapshot over (new warehouses, or an end that does not match): nothing staged so far counts. */
  async restart(snapshotId: string, attempt: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const reset = returnedRows(
        await tx.query(
          `UPDATE reconciliation_snapshots
              SET last_product_id = 0, last_seq = 0, attempt_events = 0, levels = 0, warehouses = NULL,
                  updated_at = now()
            WHERE id = $1 AND attempt = $2 AND status IN ('requested', 'streaming')
            RETURNING id`,
          [snapshotId, attempt],
        ),
      );
      if (reset.length === 0) return false;
      await tx.query(`DELETE FROM reconciliation_snapshot_levels WHERE snapshot_id = $1`, [snapshotId]);
      return true;
    });
  }

  /** Gives a snapshot up (agent abort, timeout, relay stop); only an open one, and only its current attempt if given. */
  async fail(snapshotId: string, error: string, attempt?: number): Promise<boolean> {
    const rows = returnedRows(
      await this.db.query(
        `UPDATE reconciliation_snapshots SET status = 'failed', error = $2, updated_at = now()
          WHERE id = $1 AND status IN ('requested', 'streaming') AND ($3::int IS NULL OR attempt = $3)
          RETURNING id`,
        [snapshotId, error.slice(0, 1000), attempt ?? null],
      ),
    );
    return rows.length > 0;
  }

  /** Levels and products the staging table holds for a snapshot, in one scan. */
  async stagedCounts(snapshotId: string): Promise<{ levels: number; products: number }> {
    const [row] = asRows(
      await this.db.query(
        `SELECT count(*)::int AS levels, count(DISTINCT product_id)::int AS products
           FROM reconciliation_snapshot_levels WHERE snapshot_id = $1`,
        [snapshotId],
      ),
    );
    const count = (v: unknown): number => (typeof v === 'number' ? v : 0);
    return isRecord(row)
      ? { levels: count(row['levels']), products: count(row['products']) }
      : { levels: 0, products: 0 };
  }

  /**
   * Staged levels that differ from the relay's (or that it lacks), and are newer than it: an event published
   * after the snapshot read keeps its newer level. One hash join over the snapshot and the agent's levels.
   */
  async differing(snapshot: SnapshotRow): Promise<StagedLevel[]> {
    const rows = asRows(
      await this.db.query(
        `SELECT st.warehouse, st.product_id::text AS product_id, st.sku, st.barcode, st.on_hand::float8 AS on_hand,
                st.free::float8 AS free, st.forecast::float8 AS forecast, st.version::text AS version, st.observed_at,
                st.event_id, st.correlation_id
           FROM reconciliation_snapshot_levels st
           LEFT JOIN stock_levels l
             ON l.tenant_id = $2 AND l.agent_id = $3 AND l.warehouse = st.warehouse AND l.product_id = st.product_id
          WHERE st.snapshot_id = $1
            AND (l.product_id IS NULL OR (l.version < st.version
                 AND (l.sku, l.barcode, l.on_hand, l.free, l.forecast, l.active)
                     IS DISTINCT FROM (st.sku, st.barcode, st.on_hand, st.free, st.forecast, true)))
          ORDER BY st.product_id, st.warehouse`,
        [snapshot.id, snapshot.tenantId, snapshot.agentId],
      ),
    );
    return rows.map((raw): StagedLevel => {
      if (!isRecord(raw)) throw new Error('reconcile: expected a staged level row');
      const productId = num(raw['product_id']);
      const version = num(raw['version']);
      const { warehouse, sku, barcode, on_hand, free, forecast, observed_at, event_id, correlation_id } = raw;
      if (
        productId === null ||
        version === null ||
        !isText(warehouse) ||
        typeof on_hand !== 'number' ||
        typeof free !== 'number' ||
        typeof forecast !== 'number' ||
        !(observed_at instanceof Date) ||
        !isText(event_id) ||
        !isText(correlation_id)
      )
        throw new Error(`reconcile: unreadable staged level of snapshot ${snapshot.id}`);
      return {
        warehouse,
        productId,
        sku: typeof sku === 'string' ? sku : null,
        barcode: typeof barcode === 'string' ? barcode : null,
        onHand: on_hand,
        free,
        forecast,
        version,
        observedAt: observed_at,
        eventId: event_id,
        correlationId: correlation_id,
      };
    });
  }

  /**
   * Active relay levels of the agent that the complete snapshot did not list and that are older than the
   * snapshot's start: archived, deleted or no longer storable in Odoo. Newer ones came after and stand.
   */
  async absent(snapshot: SnapshotRow): Promise<AbsentLevel[]> {
    if (snapshot.cutoffVersion === null) return [];
    const rows = asRows(
      await this.db.query(
        `SELECT l.warehouse, l.product_id::text AS product_id, l.sku, l.barcode,
                EXISTS (SELECT 1 FROM reconciliation_snapshot_levels o
                         WHERE o.snapshot_id = $1 AND o.product_id = l.product_id) AS listed
           FROM stock_levels l
          WHERE l.tenant_id = $2 AND l.agent_id = $3 AND l.active AND l.version < $4
            AND NOT EXISTS (SELECT 1 FROM reconciliation_snapshot_levels st
                             WHERE st.snapshot_id = $1 AND st.warehouse = l.warehouse AND st.product_id = l.product_id)
          ORDER BY l.product_id, l.warehouse`,
        [snapshot.id, snapshot.tenantId, snapshot.agentId, snapshot.cutoffVersion],
      ),
    );
    return rows.map((raw): AbsentLevel => {
      const productId = isRecord(raw) ? num(raw['product_id']) : null;
      if (!isRecord(raw) || productId === null || !isText(raw['warehouse']))
        throw new Error(`reconcile: unreadable level row for snapshot ${snapshot.id}`);
      return {
        warehouse: raw['warehouse'],
        productId,
        sku: typeof raw['sku'] === 'string' ? raw['sku'] : null,
        barcode: typeof raw['barcode'] === 'string' ? raw['barcode'] : null,
        productListed: raw['listed'] === true,
      };
    });
  }

  async dropStaged(snapshotIds: readonly string[]): Promise<void> {
    if (snapshotIds.length === 0) return;
    await this.db.query(`DELETE FROM reconciliation_snapshot_levels WHERE snapshot_id = ANY ($1::uuid[])`, [
      snapshotIds,
    ]);
  }

  /** Runs left `running` by a stopped instance: their snapshots end and their staging goes. */
  async abandonOfRuns(runIds: readonly string[], error: string): Promise<void> {
    if (runIds.length === 0) return;
    await this.db.query(
      `UPDATE reconciliation_snapshots SET status = 'failed', error = $2, updated_at = now()
        WHERE run_id = ANY ($1::uuid[]) AND status IN ('requested', 'streaming')`,
      [runIds, error],
    );
    const ids = asRows(
      await this.db.query(`SELECT id FROM reconciliation_snapshots WHERE run_id = ANY ($1::uuid[])`, [
        runIds,
      ]),
    ).flatMap((r) => (isRecord(r) && isText(r['id']) ? [r['id']] : []));
    await this.dropStaged(ids);
  }
}
