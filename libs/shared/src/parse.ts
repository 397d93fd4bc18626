/** Result of parsing untrusted input: the value, or a reason that names the offending field. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const isText = (v: unknown, max = 256): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;
export const isNullableText = (v: unknown, max = 256): v is string | null => v === null || isText(v, max);
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isSafeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
export const isPositiveInteger = (v: unknown): v is number => isSafeInteger(v) && v > 0;
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isIsoTime = (v: unknown): v is string => isText(v, 40) && !Number.isNaN(Date.parse(v));
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks every field of `raw` against `checks`; the first bad one is named in the reason.
 * Typing `checks` as a Record over `keyof T` makes a new contract field fail compilation until it is checked.
 */
export function checkFields<T>(
  raw: unknown,
  checks: Record<keyof T, (v: unknown) => boolean>,
  path: string,
): Parsed<T> {
  if (!isRecord(raw)) return { ok: false, reason: `${path}: expected an object` };
  for (const [name, valid] of Object.entries<(v: unknown) => boolean>(checks)) {
    if (!valid(raw[name])) return { ok: false, reason: `${path}${path ? '.' : ''}${name}: invalid` };
  }
  return { ok: true, value: raw as T };
}
