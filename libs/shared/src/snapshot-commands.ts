import { isSafeInteger, isText, type Parsed } from './parse';

/**
 * Reconciliation snapshot, relay side of the wire: the command that asks an agent for a snapshot and the replies
 * to the agent's snapshot frames (see snapshot-frames.ts for those frames and the protocol as a whole).
 */

/** Most products the relay may ask for per chunk; the agent also keeps a chunk within MAX_EVENTS_PER_FRAME. */
export const MAX_SNAPSHOT_PAGE = 500;
/** Attempts are numbered from 1; a resume after a dropped connection is a new attempt of the same snapshot. */
export const MAX_SNAPSHOT_ATTEMPT = 1_000;

/** relay -> agent, inside `{"event":"command"}`: stream every tracked product's levels, after this product id. */
export interface SnapshotCommandV1 {
  commandId: string;
  name: 'snapshot';
  snapshotId: string;
  attempt: number; // frames of an older attempt are refused
  resumeAfterProductId: number; // 0: from the first product; else the last product the relay already stored
  pageSize: number; // products per chunk, 1..MAX_SNAPSHOT_PAGE (the agent may send fewer)
}

/** relay -> agent `{"event":"snapshot-ack"}`: frame `seq` is stored (begin is 0, chunks 1..n, end n + 1). */
export interface SnapshotAckV1 {
  snapshotId: string;
  attempt: number;
  seq: number;
}

/** relay -> agent `{"event":"snapshot-stop"}`: stop sending this attempt; the reason says why. */
export interface SnapshotStopV1 {
  snapshotId: string;
  attempt: number;
  reason: string;
}

const isNonNegative = (v: unknown): v is number => isSafeInteger(v) && v >= 0;
const isAttempt = (v: unknown): v is number => isSafeInteger(v) && v >= 1 && v <= MAX_SNAPSHOT_ATTEMPT;

/** The body of a `snapshot` command (the caller has checked `name`). */
export function parseSnapshotCommand(data: Record<string, unknown>): Parsed<SnapshotCommandV1> {
  const { commandId, snapshotId, attempt, resumeAfterProductId, pageSize } = data;
  if (!isText(commandId, 64)) return { ok: false, reason: 'command.commandId: invalid' };
  if (!isText(snapshotId, 64)) return { ok: false, reason: 'command.snapshotId: invalid' };
  if (!isAttempt(attempt)) return { ok: false, reason: 'command.attempt: invalid' };
  if (!isNonNegative(resumeAfterProductId))
    return { ok: false, reason: 'command.resumeAfterProductId: invalid' };
  if (!isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_SNAPSHOT_PAGE)
    return { ok: false, reason: `command.pageSize: expected 1..${MAX_SNAPSHOT_PAGE}` };
  return {
    ok: true,
    value: { commandId, name: 'snapshot', snapshotId, attempt, resumeAfterProductId, pageSize },
  };
}

export function parseSnapshotAck(data: Record<string, unknown>): Parsed<SnapshotAckV1> {
  const { snapshotId, attempt, seq } = data;
  if (!isText(snapshotId, 64) || !isAttempt(attempt) || !isNonNegative(seq))
    return { ok: false, reason: 'snapshot-ack: invalid' };
  return { ok: true, value: { snapshotId, attempt, seq } };
}

export function parseSnapshotStop(data: Record<string, unknown>): Parsed<SnapshotStopV1> {
  const { snapshotId, attempt, reason } = data;
  if (!isText(snapshotId, 64) || !isAttempt(attempt) || !isText(reason, 1000))
    return { ok: false, reason: 'snapshot-stop: invalid' };
  return { ok: true, value: { snapshotId, attempt, reason } };
}

export const isSnapshotAttempt = isAttempt;
