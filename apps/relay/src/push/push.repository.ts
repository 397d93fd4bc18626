import { Injectable } from '@nestjs/common';
import { isRecord, isText, type Parsed } from '@stockbridge/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { CHANNEL_KINDS, type ChannelKind } from '../channels/adapters/channel-adapter';
import type { ItemOutcome, ListingPlan } from './push-plan';
import { NO_LEVEL_ERROR } from './push-plan';
import { parseChannelRow, parseDueListingRow, type DueListingRow, type PushChannelRow } from './push-rows';
import { asRows } from '../database/query-results';

/** What push.dlq carries: a dead letter as stored, for alerting and tooling (dead_letters is the record). */
export interface DeadLetterMessageV1 {
  deadLetterId: string;
  tenantId: string;
  channelId: string;
  channelKind: ChannelKind;
  listingId: string;
  sku: string;
  quantity: number | null;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  firstFailedAt: string;
  createdAt: string;
}

/** A listing settled without an API call (unchanged, no level) or by one (ok, dead). */
interface SettledRow {
  id: string;
  seq: string;
  quantity: number | null;
  pushed: boolean;
  error: string | null;
}

const INT_MAX = 2_147_483_647;
const toInt = (ms: number | null): number | null =>
  ms === null ? null : Math.min(INT_MAX, Math.max(0, Math.round(ms)));
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

/**
 * The only class of the push feature that writes SQL. Listings, channels and levels belong to other features;
 * push reads them and owns only the dirty/pushed bookkeeping columns of listings plus its deliveries and
 * dead_letters. Every write is keyed by channel as well as row id.
 */
@Injectable()
export class PushRepository {
  constructor(private readonly db: DataSource) {}

  /** The database clock: pass boundaries are compared with timestamps the database wrote. */
  async dbNow(): Promise<Date> {
    const [row] = asRows(await this.db.query(`SELECT now() AS now`));
    const now = isRecord(row) ? row['now'] : null;
    if (!(now instanceof Date)) throw new Error('push: SELECT now() returned no timestamp');
    return now;
  }

  /** null: the channel no longer exists. Not ok: its stored settings are unusable (reason names the field). */
  async loadChannel(channelId: string): Promise<Parsed<PushChannelRow> | null> {
    const [row] = asRows(
      await this.db.query(
        `SELECT id, tenant_id, name, kind, config, credentials_encrypted, rule, paused FROM channels WHERE id = $1`,
        [channelId],
      ),
    );
    return row === undefined ? null : parseChannelRow(row);
  }

  async allChannelIds(): Promise<string[]> {
    return asRows(await this.db.query(`SELECT id FROM channels`)).flatMap((r) =>
      isRecord(r) && isText(r['id']) ? [r['id']] : [],
    );
  }

  /**
   * The next batch of one pass over a channel: dirty listings that were already dirty and due when the pass
   * began, oldest first, with the levels of their SKU read IN THE SAME STATEMENT. One snapshot matters: the
   * dirty_seq we later mark as pushed must never be newer than the levels the quantity was computed from.
   * Listings settled in this pass drop out (clean, re-dirtied after passStart, or retrying later), so the loop
   * needs no cursor and a listing changing all the time is pushed once per pass, not once per batch.
   */
  async selectDue(channel: PushChannelRow, passStart: Date, limit: number): Promise<DueListingRow[]> {
    // The batch's ids first (ORDER BY + LIMIT on the partial index ix_listings_dirty), then the levels of
    // just those: joined before the LIMIT, stale statistics after a bulk insert let the planner read and sort
    // every due listing with its levels to keep one batch. Still one statement, so one snapshot.
    const rows = asRows(
      await this.db.query(
        `WITH due AS (
           SELECT l.id, l.tenant_id, l.sku, l.external_id, l.extra, l.rule_override, l.dirty_seq, l.dirty_since,
                  l.attempts, l.last_pushed_quantity, l.last_pushed_at, l.last_error
             FROM listings l
            WHERE l.channel_id = $1 AND l.tenant_id = $2
              AND l.dirty_seq > l.pushed_seq
              AND (l.dirty_since IS NULL OR l.dirty_since <= $3)
              AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= $3)
            ORDER BY l.dirty_since
            LIMIT $4
         )
         SELECT d.id, d.sku, d.external_id, d.extra, d.rule_override, d.dirty_seq::text AS dirty_seq, d.dirty_since,
                d.attempts, d.last_pushed_quantity, d.last_pushed_at, d.last_error, lv.levels
           FROM due d
           LEFT JOIN LATERAL (
             SELECT json_agg(json_build_object('warehouse', s.warehouse, 'onHand', s.on_hand, 'free', s.free,
                      'forecast', s.forecast, 'active', s.active, 'observedAt', s.observed_at,
                      'correlationId', s.correlation_id)) AS levels
               FROM stock_levels s
              WHERE s.tenant_id = d.tenant_id AND s.sku = d.sku
           ) lv ON true
          ORDER BY d.dirty_since`,
        [channel.id, channel.tenantId, passStart, limit],
      ),
    );
    return rows.map((raw) => {
      const parsed = parseDueListingRow(raw);
      if (!parsed.ok)
        throw new Error(`push: unreadable listing row of channel ${channel.id}: ${parsed.reason}`);
      return parsed.value;
    });
  }

  /**
   * Records listings that needed no call: unchanged (already shown), no level (nothing to push, reason kept in
   * last_error), invalid (dead letter naming the field). Returns the dead letters to publish.
   */
  async settleWithoutCall(
    channel: PushChannelRow,
    plans: readonly ListingPlan[],
  ): Promise<DeadLetterMessageV1[]> {
    const settled: SettledRow[] = [];
    const dead: Array<{
      listing: DueListingRow;
      quantity: null;
      code: string;
      message: string;
      attempts: number;
    }> = [];
    for (const plan of plans) {
      const { listing } = plan;
      const seq = listing.dirtySeq;
      switch (plan.action) {
        case 'unchanged':
          settled.push({ id: listing.id, seq, quantity: plan.quantity, pushed: false, error: null });
          break;
        case 'no-level':
          settled.push({ id: listing.id, seq, quantity: null, pushed: false, error: NO_LEVEL_ERROR });
          break;
        case 'invalid':
          settled.push({
            id: listing.id,
            seq,
            quantity: null,
            pushed: false,
            error: `${plan.code}: ${plan.message}`,
          });
          dead.push({ listing, quantity: null, code: plan.code, message: plan.message, attempts: 1 });
          break;
        case 'push':
          break;
      }
    }
    if (settled.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await this.settle(tx, channel, settled);
      return this.insertDeadLetters(tx, channel, dead);
    });
  }

  /** Records one API call's outcomes atomically: listing bookkeeping, the push log and the dead letters. */
  async recordOutcomes(
    channel: PushChannelRow,
    outcomes: readonly ItemOutcome[],
    durationMs: number,
  ): Promise<DeadLetterMessageV1[]> {
    const settled: SettledRow[] = [];
    const retries: Array<{ id: string; attempts: number; delay_ms: number; error: string }> = [];
    const dead: Array<{
      listing: DueListingRow;
      quantity: number;
      code: string;
      message: string;
      attempts: number;
    }> = [];
    const log = outcomes.map((o) => {
      const { listing, quantity } = o.plan;
      const error = o.status === 'ok' ? null : `${o.code}: ${o.message}`;
      switch (o.status) {
        case 'ok':
          settled.push({
            id: listing.id,
            seq: listing.dirtySeq,
            quantity: o.quantity,
            pushed: true,
            error: null,
          });
          break;
        case 'retry':
          retries.push({
            id: listing.id,
            attempts: o.attempts,
            delay_ms: toInt(o.delayMs) ?? 0,
            error: error ?? '',
          });
          break;
        case 'dead':
          settled.push({ id: listing.id, seq: listing.dirtySeq, quantity: null, pushed: false, error });
          dead.push({ listing, quantity, code: o.code, message: o.message, attempts: o.attempts });
          break;
      }
      return {
        listing_id: listing.id,
        sku: listing.sku,
        quantity: o.status === 'ok' ? o.quantity : quantity,
        status: o.status,
        error,
        attempt: listing.attempts + 1,
        latency_ms: o.status === 'ok' ? toInt(o.latencyMs) : null,
        duration_ms: toInt(durationMs) ?? 0,
      };
    });
    return this.db.transaction(async (tx) => {
      await this.settle(tx, channel, settled);
      if (retries.length > 0)
        await tx.query(
          `UPDATE listings l
              SET attempts = r.attempts, next_attempt_at = now() + r.delay_ms * interval '1 millisecond',
                  last_error = r.error
             FROM unnest($2::uuid[], $3::int[], $4::int[], $5::text[]) AS r(id, attempts, delay_ms, error)
            WHERE l.id = ANY ($2::uuid[]) AND l.id = r.id AND l.channel_id IS NOT DISTINCT FROM $1`, // as settle()
          [
            channel.id,
            retries.map((r) => r.id),
            retries.map((r) => r.attempts),
            retries.map((r) => r.delay_ms),
            retries.map((r) => r.error),
          ],
        );
      if (log.length > 0)
        await tx.query(
          `INSERT INTO deliveries (tenant_id, channel_id, listing_id, sku, quantity, status, error, attempt, latency_ms,
                                   duration_ms)
           SELECT $1, $2, r.listing_id, r.sku, r.quantity, r.status, r.error, r.attempt, r.latency_ms, r.duration_ms
             FROM jsonb_to_recordset($3::jsonb) AS r(listing_id uuid, sku text, quantity int, status text, error text,
                                                    attempt int, latency_ms int, duration_ms int)`,
          [channel.tenantId, channel.id, JSON.stringify(log)],
        );
      return this.insertDeadLetters(tx, channel, dead);
    });
  }

  /**
   * Marks listings as pushed up to the dirty_seq that was read (never the current one: a change that arrived
   * meanwhile stays dirty, with a fresh dirty_since so it falls into the next pass). Typed arrays, not
   * jsonb_to_recordset (always estimated at 100 rows): the planner sees the real count and probes pk_listings
   * instead of hashing every listing of the channel. The channel guard is written IS NOT DISTINCT FROM (same
   * meaning: channel_id is NOT NULL) so no index can take it: with statistics from before the channel had
   * listings, `channel_id = $1` looks like one row and the planner would scan the channel's listings per call.
   */
  private async settle(
    tx: EntityManager,
    channel: PushChannelRow,
    rows: readonly SettledRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE listings l
          SET pushed_seq = GREATEST(l.pushed_seq, r.seq),
              last_pushed_quantity = CASE WHEN r.pushed THEN r.quantity ELSE l.last_pushed_quantity END,
              last_pushed_at = CASE WHEN r.pushed THEN now() ELSE l.last_pushed_at END,
              last_error = r.error,
              dirty_since = CASE WHEN l.dirty_seq > r.seq THEN now() ELSE NULL END,
              attempts = 0,
              next_attempt_at = NULL
         FROM unnest($2::uuid[], $3::bigint[], $4::int[], $5::boolean[], $6::text[]) AS r(id, seq, quantity, pushed, error)
        WHERE l.id = ANY ($2::uuid[]) AND l.id = r.id AND l.channel_id IS NOT DISTINCT FROM $1`,
      [
        channel.id,
        rows.map((r) => r.id),
        rows.map((r) => r.seq),
        rows.map((r) => r.quantity),
        rows.map((r) => r.pushed),
        rows.map((r) => r.error),
      ],
    );
  }

  private async insertDeadLetters(
    tx: EntityManager,
    channel: PushChannelRow,
    dead: ReadonlyArray<{
      listing: DueListingRow;
      quantity: number | null;
      code: string;
      message: string;
      attempts: number;
    }>,
  ): Promise<DeadLetterMessageV1[]> {
    if (dead.length === 0) return [];
    const rows = dead.map((d) => ({
      listing_id: d.listing.id,
      sku: d.listing.sku,
      quantity: d.quantity,
      code: d.code,
      message: d.message,
      attempts: d.attempts,
      dirty_since: d.listing.dirtySince?.toISOString() ?? null,
    }));
    // first_failed_at: the first retry logged in this dirty episode, else now (failed for good at once).
    const inserted = asRows(
      await tx.query(
        `INSERT INTO dead_letters (tenant_id, channel_id, listing_id, sku, quantity, error_code, error_message, attempts,
                                   first_failed_at)
         SELECT $1, $2, r.listing_id, r.sku, r.quantity, r.code, r.message, r.attempts,
                COALESCE((SELECT min(d.created_at) FROM deliveries d
                           WHERE d.listing_id = r.listing_id AND d.status = 'retry' AND d.created_at >= r.dirty_since),
                         now())
           FROM jsonb_to_recordset($3::jsonb) AS r(listing_id uuid, sku text, quantity int, code text, message text,
                                                  attempts int, dirty_since timestamptz)
         RETURNING id, listing_id, sku, quantity, error_code, error_message, attempts, first_failed_at, created_at`,
        [channel.tenantId, channel.id, JSON.stringify(rows)],
      ),
    );
    return inserted.flatMap((r): DeadLetterMessageV1[] =>
      isRecord(r)
        ? [
            {
              deadLetterId: String(r['id']),
              tenantId: channel.tenantId,
              channelId: channel.id,
              channelKind: channel.kind,
              listingId: String(r['listing_id']),
              sku: String(r['sku']),
              quantity: typeof r['quantity'] === 'number' ? r['quantity'] : null,
              errorCode: String(r['error_code']),
              errorMessage: String(r['error_message']),
              attempts: Number(r['attempts']),
              firstFailedAt: iso(r['first_failed_at']),
              createdAt: iso(r['created_at']),
            },
          ]
        : [],
    );
  }

  /**
   * A channel that cannot be pushed to at all (settings unusable): its due listings wait `delayMs` with the
   * reason in last_error, visible to the admin, instead of being retried every sweep.
   */
  async deferChannel(channelId: string, delayMs: number, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE listings SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3
        WHERE channel_id = $1 AND dirty_seq > pushed_seq AND (next_attempt_at IS NULL OR next_attempt_at <= now())`,
      [channelId, Math.round(delayMs), reason],
    );
  }

  /** ms until the earliest dirty listing left out of a pass (retrying) comes due; null: none waiting. */
  async nextDueInMs(channelId: string, passStart: Date): Promise<number | null> {
    const [row] = asRows(
      await this.db.query(
        `SELECT GREATEST(0, EXTRACT(EPOCH FROM (min(next_attempt_at) - clock_timestamp())) * 1000)::float8 AS wait_ms
           FROM listings
          WHERE channel_id = $1 AND dirty_seq > pushed_seq AND next_attempt_at > $2`,
        [channelId, passStart],
      ),
    );
    const wait = isRecord(row) ? row['wait_ms'] : null;
    return typeof wait === 'number' ? Math.ceil(wait) : null;
  }

  /** Channels (not paused) with listings due now: the sweeper nudges them in case a nudge was lost. */
  async dueChannelIds(): Promise<string[]> {
    const rows = asRows(
      await this.db.query(
        `SELECT DISTINCT l.channel_id AS id
           FROM listings l JOIN channels c ON c.id = l.channel_id
          WHERE NOT c.paused AND l.dirty_seq > l.pushed_seq AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= now())`,
      ),
    );
    return rows.flatMap((r) => (isRecord(r) && isText(r['id']) ? [r['id']] : []));
  }

  /** Dirty listings per channel kind (every kind present, 0 when none). */
  async backlogByKind(): Promise<Map<ChannelKind, number>> {
    const rows = asRows(
      await this.db.query(
        `SELECT c.kind, count(*)::int AS n FROM listings l JOIN channels c ON c.id = l.channel_id
          WHERE l.dirty_seq > l.pushed_seq GROUP BY c.kind`,
      ),
    );
    const backlog = new Map<ChannelKind, number>(CHANNEL_KINDS.map((k) => [k, 0]));
    for (const r of rows)
      if (isRecord(r) && CHANNEL_KINDS.includes(r['kind'] as ChannelKind) && typeof r['n'] === 'number')
        backlog.set(r['kind'] as ChannelKind, r['n']);
    return backlog;
  }

  /** Dead letters nobody replayed or discarded yet, per channel kind (every kind present, 0 when none). */
  async openDeadLettersByKind(): Promise<Map<ChannelKind, number>> {
    const rows = asRows(
      await this.db.query(
        `SELECT c.kind, count(*)::int AS n FROM dead_letters d JOIN channels c ON c.id = d.channel_id
          WHERE d.replayed_at IS NULL AND d.discarded_at IS NULL GROUP BY c.kind`,
      ),
    );
    const open = new Map<ChannelKind, number>(CHANNEL_KINDS.map((k) => [k, 0]));
    for (const r of rows)
      if (isRecord(r) && CHANNEL_KINDS.includes(r['kind'] as ChannelKind) && typeof r['n'] === 'number')
        open.set(r['kind'] as ChannelKind, r['n']);
    return open;
  }
}
