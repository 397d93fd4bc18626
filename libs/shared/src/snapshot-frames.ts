import { MAX_EVENTS_PER_FRAME, parseLevelEvent, type LevelEventV1 } from './frames';
import { isRecord, isSafeInteger, isText, type Parsed } from './parse';
import { isSnapshotAttempt } from './snapshot-commands';

/**
 * Reconciliation snapshot, agent side of the wire (layer 2). On a `snapshot` command the agent pages through every
 * tracked product (storable or kit, active) by id ranges, `id > lastId ORDER BY id LIMIT n`, never by offset, and
 * streams:
 *
 *   snapshot-begin {warehouses, version}          seq 0
 *   snapshot-chunk {seq, afterProductId, lastProductId, events}   seq 1..n: every warehouse of every tracked
 *                                                 product with afterProductId < id <= lastProductId
 *   snapshot-end   {chunks, count, lastProductId} seq n + 1: no tracked product after lastProductId
 *
 * straight over the socket (not through the outbox: a snapshot is only worth something while the relay waits for
 * it). The relay acks each frame after storing it (`snapshot-ack {seq}`) and the agent keeps a few chunks in flight.
 * Absent products are the relay's business: a level it holds for a product that is in no chunk (archived, deleted,
 * no longer storable) and older than `version` goes inactive, so channels show 0.
 *
 * A dropped connection ends the attempt. The relay then sends a new command for the same snapshot with the next
 * attempt number and `resumeAfterProductId` = the last product it stored, so nothing is read twice or skipped;
 * frames of an older attempt are refused (`snapshot-stop`). `snapshot-abort` is the agent giving up (Odoo failed).
 */

/** agent -> relay `{"event":"snapshot-begin"}`. */
export interface SnapshotBeginV1 {
  snapshotId: string;
  attempt: number;
  resumeAfterProductId: number; // as the command asked: the relay checks it against what it stored
  warehouses: string[]; // codes of the warehouses the chunks cover
  version: number; // the agent's version clock when this attempt began: older relay levels may be stale
}

/** agent -> relay `{"event":"snapshot-chunk"}`. */
export interface SnapshotChunkV1 {
  snapshotId: string;
  attempt: number;
  seq: number; // 1.. within the attempt
  afterProductId: number; // the range covered: afterProductId < productId <= lastProductId
  lastProductId: number;
  events: LevelEventV1[]; // active levels only; 0 when every product of the range turned out untracked
}

/** agent -> relay `{"event":"snapshot-end"}`: the attempt is complete. */
export interface SnapshotEndV1 {
  snapshotId: string;
  attempt: number;
  chunks: number; // chunks sent in this attempt
  count: number; // events sent in this attempt
  lastProductId: number; // the end of the last range (the resume point when no chunk was needed)
}

/** agent -> relay `{"event":"snapshot-abort"}`: the agent cannot finish this attempt. */
export interface SnapshotAbortV1 {
  snapshotId: string;
  attempt: number;
  reason: string;
}

export const MAX_SNAPSHOT_WAREHOUSES = 200;

/** A parse failure keeps what identifies the attempt, so the relay can answer `snapshot-stop` to the right one. */
export type ParsedSnapshotFrame<T> = Parsed<T> & { snapshotId?: string; attempt?: number };

const isProductId = (v: unknown): v is number => isSafeInteger(v) && v >= 0;
const isCount = (v: unknown): v is number => isSafeInteger(v) && v >= 0;

function identity(
  raw: unknown,
):
  | { ok: true; data: Record<string, unknown>; snapshotId: string; attempt: number }
  | { ok: false; reason: string; snapshotId?: string } {
  if (!isRecord(raw)) return { ok: false, reason: 'data: expected an object' };
  const data = raw;
  if (!isText(data['snapshotId'], 64))
    return { ok: false, reason: 'snapshotId: expected a string of 1..64 characters' };
  const snapshotId = data['snapshotId'];
  if (!isSnapshotAttempt(data['attempt'])) return { ok: false, snapshotId, reason: 'attempt: invalid' };
  return { ok: true, data, snapshotId, attempt: data['attempt'] };
}

export function parseSnapshotBegin(raw: unknown): ParsedSnapshotFrame<SnapshotBeginV1> {
  const id = identity(raw);
  if (!id.ok) return id;
  const { data, snapshotId, attempt } = id;
  const fail = (reason: string): ParsedSnapshotFrame<SnapshotBeginV1> => ({
    ok: false,
    snapshotId,
    attempt,
    reason,
  });
  if (!isProductId(data['resumeAfterProductId'])) return fail('resumeAfterProductId: invalid');
  const warehouses = data['warehouses'];
  if (
    !Array.isArray(warehouses) ||
    warehouses.length === 0 ||
    warehouses.length > MAX_SNAPSHOT_WAREHOUSES ||
    !warehouses.every((w) => isText(w, 64)) ||
    new Set(warehouses).size !== warehouses.length
  )
    return fail(`warehouses: expected 1..${MAX_SNAPSHOT_WAREHOUSES} distinct warehouse codes`);
  if (!isCount(data['version'])) return fail('version: invalid');
  return {
    ok: true,
    value: {
      snapshotId,
      attempt,
      resumeAfterProductId: data['resumeAfterProductId'],
      warehouses,
      version: data['version'],
    },
  };
}

/** Checks every event, and that each lies in the chunk's range and is active (a snapshot lists present stock). */
export function parseSnapshotChunk(raw: unknown): ParsedSnapshotFrame<SnapshotChunkV1> {
  const id = identity(raw);
  if (!id.ok) return id;
  const { data, snapshotId, attempt } = id;
  const fail = (reason: string): ParsedSnapshotFrame<SnapshotChunkV1> => ({
    ok: false,
    snapshotId,
    attempt,
    reason,
  });
  const { seq, afterProductId, lastProductId, events } = data;
  if (!isSafeInteger(seq) || seq < 1) return fail('seq: expected an integer from 1');
  if (!isProductId(afterProductId)) return fail('afterProductId: invalid');
  if (!isProductId(lastProductId) || lastProductId <= afterProductId)
    return fail('lastProductId: expected an id greater than afterProductId');
  if (!Array.isArray(events) || events.length > MAX_EVENTS_PER_FRAME)
    return fail(`events: expected 0..${MAX_EVENTS_PER_FRAME} items`);
  const seen = new Set<string>();
  for (const [i, e] of events.entries()) {
    const parsed = parseLevelEvent(e, `events[${i}]`);
    if (!parsed.ok) return fail(parsed.reason);
    const { productId, active, warehouse } = parsed.value;
    const key = `${productId}@${warehouse}`;
    if (seen.has(key)) return fail(`events[${i}]: product ${productId} in ${warehouse} listed twice`);
    seen.add(key);
    if (productId <= afterProductId || productId > lastProductId)
      return fail(`events[${i}].productId: outside ${afterProductId}..${lastProductId}`);
    if (!active) return fail(`events[${i}].active: a snapshot lists active products only`);
  }
  return {
    ok: true,
    value: { snapshotId, attempt, seq, afterProductId, lastProductId, events: events as LevelEventV1[] },
  };
}

export function parseSnapshotEnd(raw: unknown): ParsedSnapshotFrame<SnapshotEndV1> {
  const id = identity(raw);
  if (!id.ok) return id;
  const { data, snapshotId, attempt } = id;
  const fail = (reason: string): ParsedSnapshotFrame<SnapshotEndV1> => ({
    ok: false,
    snapshotId,
    attempt,
    reason,
  });
  if (!isCount(data['chunks'])) return fail('chunks: invalid');
  if (!isCount(data['count'])) return fail('count: invalid');
  if (!isProductId(data['lastProductId'])) return fail('lastProductId: invalid');
  return {
    ok: true,
    value: {
      snapshotId,
      attempt,
      chunks: data['chunks'],
      count: data['count'],
      lastProductId: data['lastProductId'],
    },
  };
}

export function parseSnapshotAbort(raw: unknown): ParsedSnapshotFrame<SnapshotAbortV1> {
  const id = identity(raw);
  if (!id.ok) return id;
  const { data, snapshotId, attempt } = id;
  if (!isText(data['reason'], 1000))
    return { ok: false, snapshotId, attempt, reason: 'reason: expected a string of 1..1000 characters' };
  return { ok: true, value: { snapshotId, attempt, reason: data['reason'] } };
}
