/** Reading what TypeORM's `DataSource.query()` answers with raw SQL, without trusting its `any`. */

/** The rows of a SELECT (or of an INSERT ... RETURNING). */
export const asRows = (result: unknown): unknown[] => (Array.isArray(result) ? (result as unknown[]) : []);

/** UPDATE and DELETE ... RETURNING answer [rows, rowCount]: the rows. */
export const returnedRows = (result: unknown): unknown[] => {
  const [rows, count] = asRows(result);
  return Array.isArray(rows) && typeof count === 'number' ? (rows as unknown[]) : [];
};

/** pg hands numeric and bigint over as text. */
export const toNumber = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};

/** The literal part of a LIKE pattern, for `LIKE $1 || '%' ESCAPE '\'`. */
export const escapeLike = (v: string): string => v.replace(/[\\%_]/g, '\\$&');
