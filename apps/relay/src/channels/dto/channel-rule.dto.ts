import { QUANTITY_SOURCES, type ChannelRule, type QuantitySource } from '@stockbridge/shared';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

/** Present (even null) fields are validated; only `max` and `warehouses` may be null ("no cap", "all"). */
const given = (_: object, v: unknown): boolean => v !== undefined;

/** A channel rule or a per-SKU override: every field optional, merged onto the channel's (or the default) rule. */
export class ChannelRuleDto implements Partial<ChannelRule> {
  @ValidateIf(given) @IsIn(QUANTITY_SOURCES) source?: QuantitySource;
  @ValidateIf(given) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) buffer?: number;
  @ValidateIf(given) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) allocation?: number;
  @IsOptional() @IsInt() @Min(0) max?: number | null;
  @ValidateIf(given) @IsInt() @Min(0) min?: number;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  warehouses?: string[] | null;
}

/** Only the fields that were sent: class-transformer leaves absent ones undefined, which must not override. */
export function ruleFields(dto: ChannelRuleDto): Partial<ChannelRule> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
}
