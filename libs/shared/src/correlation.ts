import { isRecord } from './parse';

/** Most correlation ids one log line lists: a frame or a batch normally carries one or a few. */
export const MAX_LOGGED_CORRELATION_IDS = 20;

/**
 * Log fields naming the change(s) behind a frame or a batch: `{correlationId}` when they all come from one poll
 * (the usual case, and what a search for one change matches), else `{correlationIds}` (distinct, capped).
 */
export function correlationFields(
  items: Iterable<unknown>,
): { correlationId: string } | { correlationIds: string[] } | Record<string, never> {
  const ids = new Set<string>();
  for (const item of items) {
    const id = isRecord(item) ? item['correlationId'] : undefined;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
    if (ids.size > MAX_LOGGED_CORRELATION_IDS) break;
  }
  if (ids.size === 0) return {};
  const [first] = ids;
  if (ids.size === 1 && first !== undefined) return { correlationId: first };
  return { correlationIds: [...ids].slice(0, MAX_LOGGED_CORRELATION_IDS) };
}
