/**
 * Odoo datetimes on the wire: `"YYYY-MM-DD HH:MM:SS"` in UTC without a zone (RPC truncates to seconds; the
 * webhook body may carry microseconds). Domains take the same format.
 */
const ODOO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export function isOdooDatetime(value: unknown): value is string {
  return typeof value === 'string' && ODOO_DATETIME.test(value);
}

/** Epoch milliseconds of an Odoo UTC datetime; NaN when it is not one. */
export function parseOdooDatetime(value: string): number {
  const m = ODOO_DATETIME.exec(value);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Math.floor(Number(frac.padEnd(6, '0')) / 1000) : 0;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
}

/** Formats epoch milliseconds as an Odoo domain value (UTC, whole seconds, rounded down). */
export function formatOdooDatetime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Orders two Odoo datetimes as returned by Odoo (same format: text order is time order). */
export function compareOdooDatetime(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
