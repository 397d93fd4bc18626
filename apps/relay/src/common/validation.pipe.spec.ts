import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsNumber, IsString, Max, ValidateNested } from 'class-validator';
import { DomainError } from './errors/domain-error';
import { createValidationPipe } from './validation.pipe';

class InnerDto {
  @IsNumber() @Max(1) allocation!: number;
}
class OuterDto {
  @IsString() name!: string;
  @ValidateNested() @Type(() => InnerDto) rule!: InnerDto;
}

describe('createValidationPipe', () => {
  const meta: ArgumentMetadata = { type: 'body', metatype: OuterDto };

  it('names each bad field with its full path, unknown fields included', async () => {
    const err = (await createValidationPipe()
      .transform({ name: 3, rule: { allocation: 2, extra: true }, other: 1 }, meta)
      .catch((e: unknown) => e)) as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect([...(err.details ?? [])].sort()).toEqual([
      'name: name must be a string',
      'other: property other should not exist',
      'rule.allocation: allocation must not be greater than 1',
      'rule.extra: property extra should not exist',
    ]);
  });

  it('passes a valid body through as an instance', async () => {
    const value: unknown = await createValidationPipe().transform(
      { name: 'n', rule: { allocation: 0.5 } },
      meta,
    );
    expect(value).toBeInstanceOf(OuterDto);
  });
});
