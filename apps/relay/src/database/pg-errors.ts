/** PostgreSQL SQLSTATE helpers: the driver's errors carry `code`, TypeORM wraps them with `driverError`. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; driverError?: unknown };
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.driverError === undefined ? undefined : sqlState(e.driverError);
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505';

/** Deadlock or serialization failure: the same transaction may simply be run again. */
export const isTransientConflict = (err: unknown): boolean => {
  const state = sqlState(err);
  return state === '40P01' || state === '40001';
};

/** Data exceptions (class 22: bad text, out of range...) and constraint violations fail again on every retry. */
export const isPermanentDataError = (err: unknown): boolean => {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
};
