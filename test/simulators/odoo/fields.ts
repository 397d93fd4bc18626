import type { Env } from './env';
import { pyRepr, validationError, valueError } from './errors';
import type { FieldDef, ModelDef, Row, Value } from './types';

/** Fields every model has (Odoo's magic columns); display_name is added per model by the registry. */
export const MAGIC_FIELDS: Record<string, FieldDef> = {
  id: { type: 'integer', string: 'ID', readonly: true },
  create_date: { type: 'datetime', string: 'Created on', readonly: true },
  create_uid: { type: 'many2one', string: 'Created by', relation: 'res.users', readonly: true },
  write_date: { type: 'datetime', string: 'Last Updated on', readonly: true },
  write_uid: { type: 'many2one', string: 'Last Updated by', relation: 'res.users', readonly: true },
};

export function getField(model: ModelDef, name: string): FieldDef {
  const field = model.fields[name];
  if (!field || field.internal) throw valueError(`Invalid field '${name}' on model '${model.name}'`);
  return field;
}

export function isStored(field: FieldDef): boolean {
  return !field.compute && field.type !== 'one2many';
}

/** Values of one field for a batch of rows: stored, computed, or one2many from the inverse index. */
export function fieldValues(env: Env, model: ModelDef, rows: Row[], name: string): Value[] {
  const field = model.fields[name];
  if (!field) throw new Error(`${model.name}.${name} is not a field`);
  if (field.compute) return field.compute(env, rows);
  if (field.type === 'one2many') {
    const relation = field.relation ?? '';
    const inverse = field.inverseName ?? '';
    return rows.map((row) =>
      env.store
        .referencing(relation, inverse, row.id)
        .map((r) => r.id)
        .sort((a, b) => a - b),
    );
  }
  return rows.map((row) => row[name] ?? null);
}

export function fieldValue(env: Env, model: ModelDef, row: Row, name: string): Value {
  return fieldValues(env, model, [row], name)[0] ?? null;
}

export function displayName(env: Env, model: ModelDef, row: Row): string {
  if (model.displayName) return model.displayName(env, row);
  const recName = model.recName ?? 'name';
  const value = model.fields[recName] ? row[recName] : undefined;
  return typeof value === 'string' ? value : `${model.name},${row.id}`;
}

export function refDisplayName(env: Env, modelName: string, id: number): string {
  const row = env.store.get(modelName, id);
  return row ? displayName(env, env.model(modelName), row) : `${modelName},${id}`;
}

// Odoo serializes datetimes as "YYYY-MM-DD HH:MM:SS" in UTC, truncated to seconds (Datetime.to_string).
export function datetimeToString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// A domain compares every row with the same constant: parse it once, not once per row (100k-row searches).
let lastParsed: { value: string; ms: number | null } | undefined;

export function parseDatetime(value: string): number | null {
  if (lastParsed?.value === value) return lastParsed.ms;
  const ms = parseDatetimeUncached(value);
  lastParsed = { value, ms };
  return ms;
}

function parseDatetimeUncached(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, Math.floor(+frac.padEnd(6, '0') / 1000));
  return Number.isNaN(ms) ? null : ms;
}

/** A stored value as read() returns it (`load` = '_classic_read' gives many2one as [id, name]). */
export function toRead(env: Env, field: FieldDef, value: Value, classicLoad: boolean): unknown {
  switch (field.type) {
    case 'many2one':
      if (typeof value !== 'number') return false;
      return classicLoad ? [value, refDisplayName(env, field.relation ?? '', value)] : value;
    case 'one2many':
    case 'many2many':
      return Array.isArray(value) ? value : [];
    case 'datetime':
      return typeof value === 'number' ? datetimeToString(value) : false;
    case 'integer':
    case 'float':
      return typeof value === 'number' ? value : 0;
    case 'boolean':
      return value === true;
    case 'char':
    case 'text':
    case 'selection':
    case 'date':
      return typeof value === 'string' ? value : false;
  }
}

/** A value from create()/write() converted to its stored form, rejecting what Odoo would reject. */
export function toStored(env: Env, model: ModelDef, name: string, field: FieldDef, raw: unknown): Value {
  const wrong = () => valueError(`Wrong value for ${model.name}.${name}: ${pyRepr(raw)}`);
  if (raw === false || raw === null || raw === undefined) {
    if (field.type === 'boolean') return false;
    return null;
  }
  switch (field.type) {
    case 'char':
    case 'text':
      if (typeof raw !== 'string') throw wrong();
      return raw;
    case 'integer':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw wrong();
      return raw;
    case 'float':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw wrong();
      return raw;
    case 'boolean':
      return Boolean(raw);
    case 'selection':
      if (typeof raw !== 'string' || !(field.selection ?? []).some(([key]) => key === raw)) throw wrong();
      return raw;
    case 'datetime': {
      const ms = typeof raw === 'string' ? parseDatetime(raw) : null;
      if (ms === null) throw valueError(`time data ${pyRepr(raw)} does not match format '%Y-%m-%d %H:%M:%S'`);
      return ms;
    }
    case 'date':
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw wrong();
      return raw;
    case 'many2one': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw wrong();
      if (!env.store.get(field.relation ?? '', raw))
        throw validationError(
          `The operation cannot be completed: ${model.name}.${name} refers to ${field.relation}(${raw},), which does not exist.`,
        );
      return raw;
    }
    case 'one2many':
    case 'many2many':
      throw new Error('x2many values are applied as commands');
  }
}
