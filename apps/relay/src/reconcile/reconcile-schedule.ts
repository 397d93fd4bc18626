import { createHash } from 'node:crypto';

/**
 * When a tenant's scheduled reconciliation is due, computed from nothing but the clock and stable inputs, so every
 * relay instance agrees without talking to the others (the advisory lock then lets exactly one of them run it).
 *
 * Each tenant runs on slots `offset + k * interval`, the offset a stable hash of its id: a thousand tenants with
 * the default 60 minutes start spread over the hour instead of all at :00. A new tenant gets its first scheduled
 * run a full interval after it was created (its first levels are fresh anyway). A run of any trigger since the
 * current slot began makes the slot done, so an operator's run is not followed by a scheduled one at once.
 */
export function tenantOffsetMs(tenantId: string, intervalMs: number): number {
  const hash = createHash('sha1').update(tenantId).digest();
  return hash.readUInt32BE(0) % intervalMs;
}

/** The start of the slot `now` falls in. */
export function slotStart(nowMs: number, intervalMs: number, offsetMs: number): number {
  return offsetMs + Math.floor((nowMs - offsetMs) / intervalMs) * intervalMs;
}

export interface ScheduleInput {
  tenantId: string;
  nowMs: number;
  intervalMinutes: number;
  createdAtMs: number;
  lastStartedAtMs: number | null;
}

export function isDue(input: ScheduleInput): boolean {
  const intervalMs = input.intervalMinutes * 60_000;
  const start = slotStart(input.nowMs, intervalMs, tenantOffsetMs(input.tenantId, intervalMs));
  if (start < input.createdAtMs + intervalMs) return false;
  return input.lastStartedAtMs === null || input.lastStartedAtMs < start;
}

/**
 * The pg advisory lock key of a tenant's reconciliation: 64 bits of a hash of a namespaced id, so it cannot
 * collide with another feature's lock on the same tenant. A decimal string: it goes to PostgreSQL as a bigint.
 */
export function reconcileLockKey(tenantId: string): string {
  return createHash('sha1').update(`stockbridge.reconcile:${tenantId}`).digest().readBigInt64BE(0).toString();
}
