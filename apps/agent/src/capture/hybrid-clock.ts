/**
 * The version of a level event: a hybrid clock, `max(last + 1, now in microseconds)`.
 * Strictly increasing while the agent runs; after a lost state directory it restarts from the wall clock, so it
 * still does not go backwards unless the machine's clock does. Microseconds keep it a safe integer until 2255.
 */
export function nextVersion(last: number, nowMs: number = Date.now()): number {
  return Math.max(last + 1, Math.floor(nowMs) * 1000);
}
