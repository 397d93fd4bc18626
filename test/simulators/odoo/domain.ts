import type { Env } from './env';
import { pyRepr, valueError } from './errors';
import { displayName, fieldValue, getField, parseDatetime } from './fields';
import type { FieldDef, ModelDef, Row, Value } from './types';

/**
 * Odoo domains evaluated in memory: prefix `&` `|` `!` with implicit AND, dotted paths through relations,
 * and the operators the RPC layer accepts. Values compare like PostgreSQL would (NULL never matches a
 * comparison; `= False` matches NULL).
 */
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; child: Node }
  | { kind: 'leaf'; path: string[]; op: Operator; value: unknown }
  | { kind: 'const'; value: boolean };

const OPERATORS = [
  '=',
  '!=',
  '<>',
  '>',
  '>=',
  '<',
  '<=',
  'in',
  'not in',
  'like',
  'not like',
  'ilike',
  'not ilike',
  '=like',
  '=ilike',
  'child_of',
  'parent_of',
] as const;
type Operator = (typeof OPERATORS)[number];

const isOperator = (op: unknown): op is Operator => OPERATORS.includes(op as Operator);

export function parseDomain(domain: unknown): Node {
  if (domain === undefined || domain === null || domain === false) return { kind: 'const', value: true };
  if (!Array.isArray(domain)) throw valueError(`Invalid domain ${pyRepr(domain)}`);
  const items: unknown[] = domain;
  let pos = 0;
  const next = (): Node => {
    if (pos >= items.length) throw valueError(`Invalid domain ${pyRepr(domain)}: an operator lacks operands`);
    const item = items[pos++];
    if (item === '&' || item === '|') {
      const left = next();
      return { kind: item === '&' ? 'and' : 'or', left, right: next() };
    }
    if (item === '!') return { kind: 'not', child: next() };
    return parseLeaf(item);
  };
  let node: Node = { kind: 'const', value: true };
  let first = true;
  while (pos < items.length) {
    const term = next();
    node = first ? term : { kind: 'and', left: node, right: term };
    first = false;
  }
  return node;
}

function parseLeaf(item: unknown): Node {
  if (!Array.isArray(item) || item.length !== 3) throw valueError(`Invalid leaf ${pyRepr(item)}`);
  const [left, op, value] = item as [unknown, unknown, unknown];
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
  if (typeof left === 'number' && op === '=' && value === 1) return { kind: 'const', value: left === 1 };
  if (typeof left !== 'string' || left === '') throw valueError(`Invalid leaf ${pyRepr(item)}`);
  const operator = typeof op === 'string' ? op.toLowerCase() : op;
  if (!isOperator(operator)) throw valueError(`Invalid operator ${pyRepr(op)} in leaf ${pyRepr(item)}`);
  return { kind: 'leaf', path: left.split('.'), op: operator, value };
}

/** Field names the domain tests at its first level (to know whether `active` is already filtered). */
export function domainFields(node: Node): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...domainFields(node.left), ...domainFields(node.right)];
    case 'not':
      return domainFields(node.child);
    case 'leaf':
      return [node.path[0] ?? ''];
    case 'const':
      return [];
  }
}

/** Checks every leaf names a real field before any row is looked at, as Odoo does when it builds SQL. */
export function validateDomain(env: Env, model: ModelDef, node: Node): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      validateDomain(env, model, node.left);
      validateDomain(env, model, node.right);
      return;
    case 'not':
      validateDomain(env, model, node.child);
      return;
    case 'const':
      return;
    case 'leaf': {
      let current = model;
      node.path.forEach((name, i) => {
        const field = getField(current, name);
        if (i < node.path.length - 1) {
          if (!field.relation)
            throw valueError(`Invalid field ${current.name}.${name} in leaf: not relational`);
          current = env.model(field.relation);
        }
      });
    }
  }
}

export function matches(env: Env, model: ModelDef, row: Row, node: Node): boolean {
  switch (node.kind) {
    case 'and':
      return matches(env, model, row, node.left) && matches(env, model, row, node.right);
    case 'or':
      return matches(env, model, row, node.left) || matches(env, model, row, node.right);
    case 'not':
      return !matches(env, model, row, node.child);
    case 'const':
      return node.value;
    case 'leaf':
      return matchLeaf(env, model, row, node.path, node.op, node.value);
  }
}

function matchLeaf(
  env: Env,
  model: ModelDef,
  row: Row,
  path: string[],
  op: Operator,
  value: unknown,
): boolean {
  const [name = '', ...rest] = path;
  if (name === 'id' && (op === 'child_of' || op === 'parent_of'))
    return hierarchy(env, model.name, asIds(value), op).has(row.id);
  const field = getField(model, name);
  // stored columns are read straight from the row: this runs once per row and leaf on every search
  const stored =
    field.compute !== undefined || field.type === 'one2many'
      ? fieldValue(env, model, row, name)
      : (row[name] ?? null);
  if (rest.length > 0) {
    // a.b op v  ==  a in search([(b, op, v)]): any related record matches
    const related = env.model(field.relation ?? '');
    const ids = typeof stored === 'number' ? [stored] : Array.isArray(stored) ? stored : [];
    return ids.some((id) => {
      const target = env.store.get(related.name, id);
      return target !== undefined && matchLeaf(env, related, target, rest, op, value);
    });
  }
  switch (field.type) {
    case 'many2one':
    case 'one2many':
    case 'many2many':
      return matchRelational(env, field, stored, op, value);
    case 'datetime':
      return compare(stored, op, typeof value === 'string' ? (parseDatetime(value) ?? value) : value);
    case 'boolean':
      return compare(stored === true, op, value === null ? false : value);
    case 'char':
    case 'text':
    case 'selection':
    case 'date':
    case 'integer':
    case 'float':
      return compare(stored, op, value);
  }
}

function matchRelational(env: Env, field: FieldDef, stored: Value, op: Operator, value: unknown): boolean {
  const ids = typeof stored === 'number' ? [stored] : Array.isArray(stored) ? stored : [];
  const relation = field.relation ?? '';
  if (op === 'child_of' || op === 'parent_of') {
    const wanted = hierarchy(env, relation, asIds(value), op);
    return ids.some((id) => wanted.has(id));
  }
  // a string value searches the related records by display name (name_search), like Odoo does
  const byName =
    typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string'));
  if (byName) {
    const names = ids.map((id) => {
      const row = env.store.get(relation, id);
      return row ? displayName(env, env.model(relation), row) : null;
    });
    if (names.length === 0) return compare(null, op, value);
    return names.some((name) => compare(name, op, value));
  }
  if (ids.length === 0) return compare(null, op, value);
  const negative = op === '!=' || op === '<>' || op === 'not in';
  return negative ? ids.every((id) => compare(id, op, value)) : ids.some((id) => compare(id, op, value));
}

function asIds(value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is number => typeof v === 'number');
}

function hierarchy(env: Env, modelName: string, roots: number[], op: 'child_of' | 'parent_of'): Set<number> {
  const model = env.model(modelName);
  const parentField = model.parentName ?? 'parent_id';
  const result = new Set<number>();
  if (op === 'parent_of') {
    for (let id of roots) {
      while (!result.has(id)) {
        result.add(id);
        const parent = env.store.get(modelName, id)?.[parentField];
        if (typeof parent !== 'number') break;
        id = parent;
      }
    }
    return result;
  }
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.pop() as number;
    if (result.has(id)) continue;
    result.add(id);
    for (const child of env.store.referencing(modelName, parentField, id)) queue.push(child.id);
  }
  return result;
}

function likeRegex(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(wrap ? `^.*${body}.*$` : `^${body}$`, insensitive ? 'is' : 's');
}

const isNull = (v: unknown): boolean => v === null || v === undefined || v === false;

// `in` lists are often 1000 SKUs tested against every row: build each list's Set once
const valueSets = new WeakMap<unknown[], Set<unknown>>();
function valueSet(values: unknown[]): Set<unknown> {
  let set = valueSets.get(values);
  if (!set) {
    set = new Set(values);
    valueSets.set(values, set);
  }
  return set;
}

function compare(stored: unknown, op: Operator, value: unknown): boolean {
  switch (op) {
    case '=':
      return isNull(value) ? isNull(stored) : stored === value;
    case '!=':
    case '<>':
      return isNull(value) ? !isNull(stored) : isNull(stored) || stored !== value;
    case 'in':
    case 'not in': {
      if (!Array.isArray(value)) throw valueError(`The domain operator '${op}' expects a list of values`);
      const found = isNull(stored) ? value.some(isNull) : valueSet(value).has(stored);
      return op === 'in' ? found : !found;
    }
    case '>':
    case '>=':
    case '<':
    case '<=': {
      if (isNull(stored) || isNull(value)) return false;
      const [a, b] = [stored as number | string, value as number | string];
      return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
    }
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike':
      if (isNull(stored)) return false;
      return likeRegex(String(value), !op.startsWith('='), op.includes('ilike')).test(String(stored));
    case 'not like':
    case 'not ilike':
      if (isNull(stored)) return true;
      return !likeRegex(String(value), true, op === 'not ilike').test(String(stored));
    case 'child_of':
    case 'parent_of':
      throw valueError(`Operator ${op} needs a relational field`);
  }
}
