import { domainFields, matches, parseDomain, validateDomain } from './domain';
import { SUPERUSER_ID, type Env } from './env';
import { missingError, pyRepr, validationError, valueError } from './errors';
import { displayName, fieldValues, getField, isStored, toRead, toStored } from './fields';
import type { FieldDef, ModelDef, Row, Value, Vals } from './types';

/** The generic ORM: search/read/create/write/unlink over the in-memory store, with Odoo's semantics. */

export interface SearchOptions {
  offset?: number;
  limit?: number | null;
  order?: string | null;
}

export function search(env: Env, modelName: string, domain: unknown, options: SearchOptions = {}): number[] {
  const model = env.model(modelName);
  const node = parseDomain(domain);
  validateDomain(env, model, node);
  const activeTest =
    env.context['active_test'] !== false && model.fields['active'] && !domainFields(node).includes('active');
  const companies = new Set(env.companyIds);
  const companyRule =
    model.fields['company_id'] && isStored(model.fields['company_id']) && env.uid !== SUPERUSER_ID;
  const order = parseOrder(model, options.order || model.order);
  const offset = options.offset ?? 0;
  const end = options.limit ? offset + options.limit : undefined;
  // The store keeps rows in id order (ids only grow): "order id asc" with a limit can stop at the limit, as
  // PostgreSQL's walk of the primary key does, instead of matching and sorting the whole table every page.
  const inIdOrder = order.length === 1 && order[0]?.name === 'id' && !order[0].desc;
  const found: Row[] = [];
  for (const row of env.store.rows(modelName)) {
    if (activeTest && row['active'] !== true) continue;
    const company = row['company_id'];
    if (companyRule && typeof company === 'number' && !companies.has(company)) continue;
    if (matches(env, model, row, node)) found.push(row);
    if (inIdOrder && end !== undefined && found.length >= end) break;
  }
  const sorted = inIdOrder ? found : sortRows(env, model, found, order);
  return sorted.slice(offset, end).map((row) => row.id);
}

export function browse(env: Env, modelName: string, ids: number[]): Row[] {
  const rows = ids.map((id) => env.store.get(modelName, id));
  const missing = ids.filter((_, i) => rows[i] === undefined);
  if (missing.length > 0) throw missingError(modelName, missing, env.uid);
  return rows as Row[];
}

export function read(
  env: Env,
  modelName: string,
  ids: number[],
  fields?: string[] | null,
  load = true,
): Vals[] {
  const model = env.model(modelName);
  const names = fields && fields.length > 0 ? fields : exposedFields(model);
  for (const name of names) getField(model, name);
  const rows = browse(env, modelName, ids);
  const result: Vals[] = rows.map((row) => ({ id: row.id }));
  for (const name of names) {
    const field = model.fields[name] as FieldDef;
    const values = fieldValues(env, model, rows, name);
    result.forEach((record, i) => {
      record[name] = toRead(env, field, values[i] ?? null, load);
    });
  }
  return result;
}

function exposedFields(model: ModelDef): string[] {
  return Object.entries(model.fields)
    .filter(([, field]) => !field.internal)
    .map(([name]) => name);
}

export function create(env: Env, modelName: string, valsList: Vals[]): number[] {
  const model = env.model(modelName);
  const next = (list: Vals[]): number[] => list.map((vals) => createOne(env, model, vals));
  return model.create ? model.create(env, valsList, next) : next(valsList);
}

export function write(env: Env, modelName: string, ids: number[], vals: Vals): void {
  const model = env.model(modelName);
  const next = (targets: number[], values: Vals): void => writeRows(env, model, targets, values);
  if (model.write) model.write(env, ids, vals, next);
  else next(ids, vals);
}

export function unlink(env: Env, modelName: string, ids: number[]): void {
  const model = env.model(modelName);
  const next = (targets: number[]): void => targets.forEach((id) => env.store.remove(modelName, id));
  if (model.unlink) model.unlink(env, ids, next);
  else next(ids);
}

/** Stored-column update from business code: stamps write_date with the transaction's start time. */
export function update(env: Env, modelName: string, id: number, values: Record<string, Value>): Row {
  return env.store.update(modelName, id, { ...values, write_date: env.now, write_uid: env.uid });
}

function createOne(env: Env, model: ModelDef, vals: Vals): number {
  if (typeof vals !== 'object' || vals === null || Array.isArray(vals))
    throw valueError(`${model.name}.create() expects a dict of values, got ${pyRepr(vals)}`);
  // every column exists, as in a table: NULL (False for booleans) unless a default applies
  const stored: Record<string, Value> = {};
  for (const [name, field] of columnsOf(model).stored) {
    if (field.default === undefined || name in vals) stored[name] = field.type === 'boolean' ? false : null;
    else stored[name] = typeof field.default === 'function' ? field.default(env) : field.default;
  }
  const { columns, later } = splitVals(env, model, vals);
  Object.assign(stored, columns, {
    create_date: env.now,
    write_date: env.now,
    create_uid: env.uid,
    write_uid: env.uid,
  });
  const row = env.store.insert(model.name, stored);
  applyLater(env, model, row, later);
  checkRequired(model, row);
  return row.id;
}

function writeRows(env: Env, model: ModelDef, ids: number[], vals: Vals): void {
  const rows = browse(env, model.name, ids);
  const { columns, later } = splitVals(env, model, vals);
  for (const row of rows) {
    update(env, model.name, row.id, columns);
    applyLater(env, model, row, later);
    checkRequired(model, row);
  }
}

type Later = Array<{ name: string; field: FieldDef; value: unknown }>;

/** Stored columns now; inverses of computed fields and x2many commands once the row exists. */
function splitVals(env: Env, model: ModelDef, vals: Vals): { columns: Record<string, Value>; later: Later } {
  const columns: Record<string, Value> = {};
  const later: Later = [];
  for (const [name, value] of Object.entries(vals)) {
    const field = getField(model, name);
    if (['id', 'create_date', 'write_date', 'create_uid', 'write_uid', 'display_name'].includes(name))
      continue;
    if (field.type === 'one2many' || field.type === 'many2many' || field.compute)
      later.push({ name, field, value });
    else columns[name] = toStored(env, model, name, field, value);
  }
  return { columns, later };
}

function applyLater(env: Env, model: ModelDef, row: Row, later: Later): void {
  for (const { name, field, value } of later) {
    if (field.type === 'one2many' || field.type === 'many2many')
      applyCommands(env, model, row, name, field, value);
    else if (field.inverse) {
      const columns = field.inverse(env, row, toStored(env, model, name, field, value));
      if (Object.keys(columns).length > 0) update(env, model.name, row.id, columns);
    }
    // a computed field without inverse is silently not written, as in Odoo
  }
}

interface Columns {
  stored: Array<[string, FieldDef]>;
  required: Array<[string, FieldDef]>;
}

// Field lists per model, computed once: create() runs per record and bulk loads create 100k of them.
const columnsCache = new WeakMap<ModelDef, Columns>();
function columnsOf(model: ModelDef): Columns {
  let columns = columnsCache.get(model);
  if (!columns) {
    const stored = Object.entries(model.fields).filter(([name, field]) => isStored(field) && name !== 'id');
    columns = { stored, required: stored.filter(([, field]) => field.required) };
    columnsCache.set(model, columns);
  }
  return columns;
}

function checkRequired(model: ModelDef, row: Row): void {
  for (const [name, field] of columnsOf(model).required) {
    const value = row[name];
    if (value === null || value === undefined || value === '')
      throw validationError(
        `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n` +
          `- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n` +
          `Model: ${model.description} (${model.name})\nField: ${field.string} (${name})`,
      );
  }
}

/** x2many write commands: (0,0,vals) (1,id,vals) (2,id) (3,id) (4,id) (5,) (6,0,ids), or a plain id list. */
function applyCommands(
  env: Env,
  model: ModelDef,
  row: Row,
  name: string,
  field: FieldDef,
  commands: unknown,
): void {
  if (!Array.isArray(commands))
    throw valueError(`Wrong value for ${model.name}.${name}: ${pyRepr(commands)}`);
  const relation = field.relation ?? '';
  const inverse = field.inverseName ?? '';
  const isO2m = field.type === 'one2many';
  const current = (): number[] => (fieldValues(env, model, [row], name)[0] as number[] | null) ?? [];
  const setM2m = (ids: number[]): void => void update(env, model.name, row.id, { [name]: [...new Set(ids)] });
  const link = (id: number): void =>
    isO2m ? write(env, relation, [id], { [inverse]: row.id }) : setM2m([...current(), id]);
  const detach = (id: number): void =>
    isO2m ? unlink(env, relation, [id]) : setM2m(current().filter((other) => other !== id));
  if (commands.every((c) => typeof c === 'number')) {
    for (const id of current()) if (!commands.includes(id)) detach(id);
    for (const id of commands) link(id);
    return;
  }
  for (const command of commands) {
    if (!Array.isArray(command)) throw valueError(`Invalid x2many command ${pyRepr(command)}`);
    const [code, id, arg] = command as [unknown, unknown, unknown];
    const target = typeof id === 'number' ? id : 0;
    switch (code) {
      case 0: {
        const vals = (arg ?? {}) as Vals;
        const [created] = create(env, relation, [isO2m ? { ...vals, [inverse]: row.id } : vals]);
        if (!isO2m && created !== undefined) link(created);
        break;
      }
      case 1:
        write(env, relation, [target], (arg ?? {}) as Vals);
        break;
      case 2:
        unlink(env, relation, [target]);
        break;
      case 3:
        detach(target);
        break;
      case 4:
        link(target);
        break;
      case 5:
        for (const other of current()) detach(other);
        break;
      case 6: {
        const ids = Array.isArray(arg) ? (arg as number[]) : [];
        for (const other of current()) if (!ids.includes(other)) detach(other);
        for (const other of ids) link(other);
        break;
      }
      default:
        throw valueError(`Invalid x2many command ${pyRepr(command)}`);
    }
  }
}

interface OrderTerm {
  name: string;
  desc: boolean;
}

function parseOrder(model: ModelDef, order: string): OrderTerm[] {
  const terms = order.split(',').map((part) => {
    const m = /^\s*"?(\w+)"?(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$/i.exec(part);
    const field = m ? model.fields[m[1] ?? ''] : undefined;
    if (!m || !field || !sortableField(field))
      throw valueError(
        `Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of ` +
          'valid field names (optionally followed by asc/desc for the direction)',
      );
    return { name: m[1] ?? '', desc: (m[2] ?? '').toLowerCase() === 'desc' };
  });
  return terms.some((t) => t.name === 'id') ? terms : [...terms, { name: 'id', desc: false }];
}

/** Stored fields sort in SQL; so do delegated ones (computed with an inverse, joined through _inherits). */
const sortableField = (field: FieldDef): boolean =>
  !field.internal &&
  field.type !== 'one2many' &&
  field.type !== 'many2many' &&
  (!field.compute || !!field.inverse);

type SortKey = string | number | boolean | null;

function sortRows(env: Env, model: ModelDef, rows: Row[], order: OrderTerm[]): Row[] {
  const keys = order.map(({ name }) => {
    const field = model.fields[name] as FieldDef;
    if (field.type !== 'many2one') {
      const values = field.compute ? fieldValues(env, model, rows, name) : rows.map((row) => row[name]);
      return values.map((value, i): SortKey => (name === 'id' ? (rows[i] as Row).id : sortable(value)));
    }
    // many2one sorts by the related record (Odoo uses its _order; its display name is close enough)
    const relation = env.model(field.relation ?? '');
    const refs = field.compute ? fieldValues(env, model, rows, name) : rows.map((row) => row[name]);
    return refs.map((ref): SortKey => {
      const target = typeof ref === 'number' ? env.store.get(relation.name, ref) : undefined;
      return target ? displayName(env, relation, target) : null;
    });
  });
  const index = rows.map((_, i) => i);
  index.sort((a, b) => {
    for (const [t, term] of order.entries()) {
      const column = keys[t] as SortKey[];
      const cmp = compareKeys(column[a] ?? null, column[b] ?? null, term.desc);
      if (cmp !== 0) return cmp;
    }
    return 0;
  });
  return index.map((i) => rows[i] as Row);
}

const sortable = (value: Value | undefined): SortKey =>
  Array.isArray(value) || value === undefined ? null : value;

/** PostgreSQL: NULLS LAST when ascending, NULLS FIRST when descending. */
function compareKeys(a: SortKey, b: SortKey, desc: boolean): number {
  if (a === b) return 0;
  if (a === null) return desc ? -1 : 1;
  if (b === null) return desc ? 1 : -1;
  const cmp = a < b ? -1 : 1;
  return desc ? -cmp : cmp;
}

export function fieldsGet(env: Env, model: ModelDef, allfields?: unknown, attributes?: unknown): Vals {
  const wanted = Array.isArray(allfields) && allfields.length > 0 ? (allfields as string[]) : null;
  const attrs = Array.isArray(attributes) && attributes.length > 0 ? (attributes as string[]) : null;
  const result: Vals = {};
  for (const [name, field] of Object.entries(model.fields)) {
    if (field.internal || (wanted && !wanted.includes(name))) continue;
    const description: Vals = {
      type: field.type,
      string: field.string,
      readonly: field.readonly === true || (field.compute !== undefined && field.inverse === undefined),
      required: field.required === true,
      store: isStored(field),
      searchable: true,
      sortable: isStored(field),
    };
    if (field.relation) description['relation'] = field.relation;
    if (field.inverseName) description['relation_field'] = field.inverseName;
    if (field.selection) description['selection'] = field.selection.map(([key, label]) => [key, label]);
    result[name] = attrs
      ? Object.fromEntries(Object.entries(description).filter(([k]) => attrs.includes(k)))
      : description;
  }
  return result;
}
