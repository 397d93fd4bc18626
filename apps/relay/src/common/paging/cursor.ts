import { DomainError } from '../errors/domain-error';

/**
 * Opaque keyset cursors for paged admin lists: base64url of a JSON array holding the last row's sort key.
 * Clients only pass back what they were given; anything else is a 400 naming the `cursor` field.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** `parse` receives the decoded array and returns the key, or null when it is not one this list issued. */
export function decodeCursor<T>(cursor: string, parse: (values: readonly unknown[]) => T | null): T {
  let key: T | null = null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value)) key = parse(value);
  } catch {
    // reported below
  }
  if (key === null)
    throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor this API returned', ['cursor: invalid']);
  return key;
}

/** `?offset` and `?cursor` are two ways to page; one request may use only one of them. */
export function assertOneWayToPage(q: { offset?: number; cursor?: string }): void {
  if (q.offset !== undefined && q.cursor !== undefined)
    throw new DomainError('VALIDATION_FAILED', 'offset, cursor: give one or the other', [
      'offset: not with cursor',
    ]);
}
