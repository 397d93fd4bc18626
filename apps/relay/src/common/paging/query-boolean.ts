import { Transform } from 'class-transformer';

/**
 * A query-string flag: `true` and `false` become booleans; anything else stays a string, so `@IsBoolean()` answers
 * it with a 400 naming the field.
 */
export const QueryBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));
