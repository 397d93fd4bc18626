import { DomainError } from '../errors/domain-error';
import { assertOneWayToPage, decodeCursor, encodeCursor } from './cursor';

const pair = (v: readonly unknown[]): [string, string] | null =>
  v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' ? [v[0], v[1]] : null;

describe('keyset cursors', () => {
  it('round-trips a key, including characters that need escaping', () => {
    const cursor = encodeCursor(['1764400000123456', 'a/b+c"d']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, pair)).toEqual(['1764400000123456', 'a/b+c"d']);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON that is not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['an array of the wrong shape', encodeCursor(['only-one'])],
  ])('refuses %s with a 400 naming the cursor field', (_, cursor) => {
    let thrown: unknown;
    try {
      decodeCursor(cursor, pair);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', details: ['cursor: invalid'] });
  });

  it('refuses offset and cursor together', () => {
    expect(() => assertOneWayToPage({ offset: 0, cursor: 'x' })).toThrow(
      'offset, cursor: give one or the other',
    );
    expect(() => assertOneWayToPage({ offset: 10 })).not.toThrow();
    expect(() => assertOneWayToPage({ cursor: 'x' })).not.toThrow();
  });
});
