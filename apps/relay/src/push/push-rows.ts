import {
  DEFAULT_RULE,
  QUANTITY_SOURCES,
  isBoolean,
  isFiniteNumber,
  isRecord,
  isSafeInteger,
  isText,
  resolveRule,
  type ChannelRule,
  type Parsed,
  type QuantitySource,
  type RuleOverride,
  type WarehouseQuantities,
} from '@stockbridge/shared';
import { CHANNEL_KINDS, type ChannelKind } from '../channels/adapters/channel-adapter';
import { toNumber } from '../database/query-results';

/**
 * Rows the push pipeline reads with raw SQL, and their parsers: the database is an edge too (jsonb written by
 * another feature, pg returning bigint as text), so nothing is cast blindly.
 */

export interface PushChannelRow {
  id: string;
  tenantId: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  credentialsEncrypted: string | null;
  rule: ChannelRule;
  paused: boolean;
}

export interface LevelRow extends WarehouseQuantities {
  observedAt: Date | null;
  /** The agent poll that read this level (null for levels stored before correlation ids were kept). */
  correlationId?: string | null;
}

export interface DueListingRow {
  id: string;
  sku: string;
  externalId: string;
  extra: Record<string, unknown>;
  ruleOverride: RuleOverride | null;
  ruleOverrideError: string | null; // an invalid override is this listing's problem, not the whole batch's
  dirtySeq: string; // bigint as text: compared in SQL only
  dirtySince: Date | null;
  attempts: number;
  lastPushedQuantity: number | null;
  lastPushedAt: Date | null;
  lastError: string | null;
  levels: LevelRow[];
}

const ruleChecks: Record<keyof ChannelRule, (v: unknown) => boolean> = {
  source: (v) => QUANTITY_SOURCES.includes(v as QuantitySource),
  buffer: (v) => isFiniteNumber(v) && v >= 0,
  allocation: (v) => isFiniteNumber(v) && v >= 0 && v <= 1,
  max: (v) => v === null || (isSafeInteger(v) && v >= 0),
  min: (v) => isFiniteNumber(v) && v >= 0,
  warehouses: (v) => v === null || (Array.isArray(v) && v.every((w) => isText(w))),
};

/** A per-SKU override: only known fields, each valid; null/absent = none. */
export function parseRuleOverride(raw: unknown, path: string): Parsed<RuleOverride | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  if (!isRecord(raw)) return { ok: false, reason: `${path}: expected an object` };
  for (const [name, value] of Object.entries(raw)) {
    const valid = (ruleChecks as Record<string, ((v: unknown) => boolean) | undefined>)[name];
    if (!valid) return { ok: false, reason: `${path}.${name}: unknown field` };
    if (value !== undefined && !valid(value)) return { ok: false, reason: `${path}.${name}: invalid` };
  }
  return { ok: true, value: raw };
}

/** The channel rule; fields it leaves out take DEFAULT_RULE's value. */
export function parseChannelRule(raw: unknown, path: string): Parsed<ChannelRule> {
  const parsed = parseRuleOverride(raw, path);
  return parsed.ok ? { ok: true, value: resolveRule(DEFAULT_RULE, parsed.value) } : parsed;
}

const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const isNullableDate = (v: unknown): v is Date | null => v === null || isDate(v);
const isInt = (v: unknown): v is number => isSafeInteger(v);

export function parseChannelRow(raw: unknown): Parsed<PushChannelRow> {
  if (!isRecord(raw)) return { ok: false, reason: 'channel: expected a row' };
  const { id, tenant_id, name, kind, config, credentials_encrypted, rule, paused } = raw;
  if (!isText(id) || !isText(tenant_id)) return { ok: false, reason: 'channel.id: invalid' };
  if (!CHANNEL_KINDS.includes(kind as ChannelKind))
    return { ok: false, reason: `channel.kind: unknown kind ${String(kind)}` };
  if (config !== null && !isRecord(config))
    return { ok: false, reason: 'channel.config: expected an object' };
  if (credentials_encrypted !== null && typeof credentials_encrypted !== 'string')
    return { ok: false, reason: 'channel.credentials_encrypted: expected text' };
  if (!isBoolean(paused)) return { ok: false, reason: 'channel.paused: expected a boolean' };
  const parsedRule = parseChannelRule(rule, 'channel.rule');
  if (!parsedRule.ok) return parsedRule;
  return {
    ok: true,
    value: {
      id,
      tenantId: tenant_id,
      name: typeof name === 'string' ? name : id,
      kind: kind as ChannelKind,
      config: config ?? {},
      credentialsEncrypted: credentials_encrypted,
      rule: parsedRule.value,
      paused,
    },
  };
}

function parseLevel(raw: unknown, path: string): Parsed<LevelRow> {
  if (!isRecord(raw)) return { ok: false, reason: `${path}: expected an object` };
  const onHand = toNumber(raw['onHand']);
  const free = toNumber(raw['free']);
  const forecast = toNumber(raw['forecast']);
  if (!isText(raw['warehouse'])) return { ok: false, reason: `${path}.warehouse: invalid` };
  if (onHand === null || free === null || forecast === null)
    return { ok: false, reason: `${path}: quantity not a number` };
  if (!isBoolean(raw['active'])) return { ok: false, reason: `${path}.active: invalid` };
  const observed = raw['observedAt'];
  const observedAt = typeof observed === 'string' ? new Date(observed) : null;
  const correlationId = raw['correlationId'];
  return {
    ok: true,
    value: {
      warehouse: raw['warehouse'],
      onHand,
      free,
      forecast,
      active: raw['active'],
      observedAt: observedAt && !Number.isNaN(observedAt.getTime()) ? observedAt : null,
      correlationId: typeof correlationId === 'string' ? correlationId : null,
    },
  };
}

export function parseDueListingRow(raw: unknown): Parsed<DueListingRow> {
  if (!isRecord(raw)) return { ok: false, reason: 'listing: expected a row' };
  const id = raw['id'];
  const at = `listing ${String(id)}`;
  if (!isText(id)) return { ok: false, reason: 'listing.id: invalid' };
  if (!isText(raw['sku'])) return { ok: false, reason: `${at}: sku invalid` };
  if (typeof raw['external_id'] !== 'string') return { ok: false, reason: `${at}: external_id invalid` };
  const extra = raw['extra'] ?? {};
  if (!isRecord(extra)) return { ok: false, reason: `${at}: extra must be an object` };
  const override = parseRuleOverride(raw['rule_override'], 'rule_override');
  if (!isText(raw['dirty_seq'])) return { ok: false, reason: `${at}: dirty_seq invalid` };
  if (!isNullableDate(raw['dirty_since'])) return { ok: false, reason: `${at}: dirty_since invalid` };
  if (!isInt(raw['attempts'])) return { ok: false, reason: `${at}: attempts invalid` };
  const lastQty = raw['last_pushed_quantity'];
  if (lastQty !== null && !isInt(lastQty))
    return { ok: false, reason: `${at}: last_pushed_quantity invalid` };
  if (!isNullableDate(raw['last_pushed_at'])) return { ok: false, reason: `${at}: last_pushed_at invalid` };
  const lastError = raw['last_error'];
  if (lastError !== null && typeof lastError !== 'string')
    return { ok: false, reason: `${at}: last_error invalid` };
  const rawLevels = raw['levels'] ?? [];
  if (!Array.isArray(rawLevels)) return { ok: false, reason: `${at}: levels must be an array` };
  const levels: LevelRow[] = [];
  for (const [i, l] of rawLevels.entries()) {
    const level = parseLevel(l, `${at}: levels[${i}]`);
    if (!level.ok) return level;
    levels.push(level.value);
  }
  return {
    ok: true,
    value: {
      id,
      sku: raw['sku'],
      externalId: raw['external_id'],
      extra,
      ruleOverride: override.ok ? override.value : null,
      ruleOverrideError: override.ok ? null : override.reason,
      dirtySeq: raw['dirty_seq'],
      dirtySince: raw['dirty_since'],
      attempts: raw['attempts'],
      lastPushedQuantity: lastQty,
      lastPushedAt: raw['last_pushed_at'],
      lastError,
      levels,
    },
  };
}
