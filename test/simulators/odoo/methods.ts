import { OdooError, pyRepr, typeError, valueError } from './errors';
import * as orm from './orm';
import type { MethodDef, MethodParam, ModelDef, Vals } from './types';

/** The ORM methods every model answers over RPC, with their Python signatures (for argument binding). */
export const ORM_METHODS: Record<string, MethodDef> = {
  search: {
    apiModel: true,
    params: [{ name: 'domain', required: true }, { name: 'offset' }, { name: 'limit' }, { name: 'order' }],
    call: (env, _ids, a, model) => orm.search(env, model.name, a['domain'], searchOptions(a)),
  },
  search_read: {
    apiModel: true,
    params: [
      { name: 'domain' },
      { name: 'fields' },
      { name: 'offset' },
      { name: 'limit' },
      { name: 'order' },
      { name: 'load' },
    ],
    call: (env, _ids, a, model) => {
      const ids = orm.search(env, model.name, a['domain'], searchOptions(a));
      return orm.read(env, model.name, ids, stringList(a['fields'], 'fields'), a['load'] !== null);
    },
  },
  search_count: {
    apiModel: true,
    params: [{ name: 'domain', required: true }, { name: 'limit' }],
    call: (env, _ids, a, model) =>
      orm.search(env, model.name, a['domain'], { limit: optionalInt(a['limit'], 'limit') }).length,
  },
  read: {
    params: [{ name: 'fields' }, { name: 'load' }],
    call: (env, ids, a, model) =>
      orm.read(env, model.name, ids, stringList(a['fields'], 'fields'), a['load'] !== null),
  },
  create: {
    apiModel: true,
    params: [{ name: 'vals_list', required: true }],
    call: (env, _ids, a, model) => {
      const single = !Array.isArray(a['vals_list']);
      const ids = orm.create(env, model.name, single ? [a['vals_list'] as Vals] : (a['vals_list'] as Vals[]));
      return single ? ids[0] : ids;
    },
  },
  write: {
    params: [{ name: 'vals', required: true }],
    call: (env, ids, a, model) => {
      const vals = a['vals'];
      if (typeof vals !== 'object' || vals === null || Array.isArray(vals))
        throw valueError(`write() expects a dict of values, got ${pyRepr(vals)}`);
      orm.write(env, model.name, ids, vals as Vals);
      return true;
    },
  },
  unlink: {
    params: [],
    call: (env, ids, _a, model) => {
      orm.unlink(env, model.name, ids);
      return true;
    },
  },
  fields_get: {
    apiModel: true,
    params: [{ name: 'allfields' }, { name: 'attributes' }],
    call: (env, _ids, a, model) => orm.fieldsGet(env, model, a['allfields'], a['attributes']),
  },
  name_search: {
    apiModel: true,
    params: [{ name: 'name' }, { name: 'domain' }, { name: 'operator' }, { name: 'limit' }],
    call: (env, _ids, a, model) => {
      const name = typeof a['name'] === 'string' ? a['name'] : '';
      const domain = [
        ...((a['domain'] as unknown[] | undefined) ?? []),
        ['display_name', a['operator'] ?? 'ilike', name],
      ];
      const ids = orm.search(env, model.name, domain, { limit: optionalInt(a['limit'], 'limit') ?? 100 });
      return orm.read(env, model.name, ids, ['display_name']).map((r) => [r['id'], r['display_name']]);
    },
  },
};

function searchOptions(a: Vals): orm.SearchOptions {
  const order = a['order'];
  if (order !== undefined && order !== null && order !== false && typeof order !== 'string')
    throw valueError(`Invalid "order" specified (${pyRepr(order)})`);
  return {
    offset: optionalInt(a['offset'], 'offset') ?? 0,
    limit: optionalInt(a['limit'], 'limit'),
    order: typeof order === 'string' ? order : null,
  };
}

function optionalInt(value: unknown, name: string): number | null {
  if (value === undefined || value === null || value === false) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw valueError(`${name} must be a non-negative integer, got ${pyRepr(value)}`);
  return value;
}

function stringList(value: unknown, name: string): string[] | null {
  if (value === undefined || value === null || value === false) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw valueError(`${name} must be a list of field names, got ${pyRepr(value)}`);
  return value;
}

export function findMethod(model: ModelDef, name: string): MethodDef | undefined {
  return model.methods?.[name] ?? ORM_METHODS[name];
}

/** How a binding error reads: Python's call error (JSON-RPC) or inspect.Signature.bind's (JSON-2). */
export type BindStyle = 'call' | 'signature';

/** Binds positional and keyword arguments to a method's parameters, failing like Python does. */
export function bindArgs(
  method: string,
  def: MethodDef,
  positional: unknown[],
  named: Vals,
  style: BindStyle,
): Vals {
  const fail = (message: string): OdooError =>
    typeError(style === 'call' ? `${method}() ${message}` : message);
  const params: readonly MethodParam[] = def.params;
  if (positional.length > params.length)
    throw fail(`takes ${params.length + 1} positional arguments but ${positional.length + 1} were given`);
  const bound: Vals = {};
  positional.forEach((value, i) => {
    bound[(params[i] as MethodParam).name] = value;
  });
  for (const [key, value] of Object.entries(named)) {
    if (!params.some((p) => p.name === key)) throw fail(`got an unexpected keyword argument '${key}'`);
    if (key in bound) throw fail(`got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = params.find((p) => p.required && !(p.name in bound));
  if (missing)
    throw fail(
      style === 'call'
        ? `missing 1 required positional argument: '${missing.name}'`
        : `missing a required argument: '${missing.name}'`,
    );
  return bound;
}
