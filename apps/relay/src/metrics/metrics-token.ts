import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeyOf } from '../common/auth/api-key.guard';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether a scrape may read /metrics: always when no METRICS_TOKEN is configured, else only with
 * `Authorization: Bearer <token>` (or X-Api-Key). Compared in constant time, over digests of equal length.
 */
export function metricsAccessAllowed(
  headers: Record<string, string | string[] | undefined>,
  token: string | undefined,
): boolean {
  if (!token) return true;
  const given = apiKeyOf(headers);
  return given !== null && timingSafeEqual(digest(given), digest(token));
}
