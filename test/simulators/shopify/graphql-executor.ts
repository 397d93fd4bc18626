/**
 * Validates, prices and executes a parsed document against a tiny schema description.
 * Cost follows Shopify's published rules: scalars and enums 0, objects 1, connections 2 + first × node cost,
 * mutations 10 per root field; interfaces cost the most expensive of their fragments. Requested cost is computed
 * before execution from arguments; actual cost from what was returned (so it can be refunded).
 */
import {
  typeToString,
  valueOf,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinition,
  type OperationNode,
  type SelectionNode,
  type SourceLocation,
  type ValueNode,
} from './graphql-document';

export type Scalar = 'ID' | 'String' | 'Int' | 'Float' | 'Boolean' | 'DateTime' | 'URL';
export const SCALARS: ReadonlySet<string> = new Set<Scalar>([
  'ID',
  'String',
  'Int',
  'Float',
  'Boolean',
  'DateTime',
  'URL',
]);

export interface ArgSpec {
  required?: boolean;
}

export type Record_ = Record<string, unknown>;

export interface FieldSpec<C> {
  type: string; // an object type, an interface, or a scalar
  list?: boolean;
  connection?: boolean; // Relay connection: priced 2 + first × node cost; needs first or last
  free?: boolean; // connection wrappers (edges, pageInfo) carry no cost of their own
  sizeArg?: string; // a plain list priced by the length of this list argument (nodes(ids:), quantities(names:))
  args?: Record<string, ArgSpec>;
  resolve?: (parent: Record_, args: Record_, ctx: C, field: FieldNode) => unknown; // default: parent[name]
}

export interface ObjectType<C> {
  fields: Record<string, FieldSpec<C>>;
  possibleTypes?: string[]; // set on interfaces
}

export interface Schema<C> {
  types: Record<string, ObjectType<C>>;
  queryType: string;
  mutationType: string;
  directives: (ctx: C) => ReadonlySet<string>; // directives this API version defines
  mutationCost: number;
  validateField?: (field: FieldNode, args: Record_, ctx: C) => GraphqlError[]; // argument checks made before execution
}

/** A GraphQL error as Shopify (graphql-ruby) writes it. */
export interface GraphqlError {
  message: string;
  locations?: SourceLocation[];
  path?: Array<string | number>;
  extensions?: Record_;
}

export interface ExecutionContext {
  variables: Record_;
  fragments: Map<string, FragmentDefinition>;
  errors: GraphqlError[];
}

const opPath = (op: OperationNode): string => (op.name ? `${op.type} ${op.name}` : op.type);

/** Fields that apply to `typeName`, with fragments (inline and named) flattened and @skip/@include honoured. */
function collectFields<C>(
  schema: Schema<C>,
  selections: SelectionNode[],
  typeName: string,
  ctx: ExecutionContext,
  out: FieldNode[] = [],
): FieldNode[] {
  for (const s of selections) {
    if (!included(s.directives, ctx.variables)) continue;
    if (s.kind === 'field') out.push(s);
    else {
      const fragment = s.kind === 'inline' ? s : ctx.fragments.get(s.name);
      if (!fragment) continue;
      const cond = fragment.typeCondition;
      const applies =
        cond === undefined ||
        cond === typeName ||
        (schema.types[cond]?.possibleTypes ?? []).includes(typeName);
      if (applies) collectFields(schema, fragment.selections, typeName, ctx, out);
    }
  }
  return out;
}

function included(directives: DirectiveNode[], variables: Record_): boolean {
  for (const d of directives) {
    const ifArg = d.args.find((a) => a.name === 'if');
    const value = ifArg ? valueOf(ifArg.value, variables) === true : false;
    if (d.name === 'skip' && value) return false;
    if (d.name === 'include' && !value) return false;
  }
  return true;
}

export function argsOf(field: FieldNode, variables: Record_): Record_ {
  const out: Record_ = {};
  for (const a of field.args) out[a.name] = valueOf(a.value, variables);
  return out;
}

function variablesUsed(value: ValueNode, into: Set<string>): void {
  if (value.kind === 'variable') into.add(value.name);
  else if (value.kind === 'list') value.values.forEach((v) => variablesUsed(v, into));
  else if (value.kind === 'object') value.fields.forEach((f) => variablesUsed(f.value, into));
}

/** Static checks graphql-ruby runs before anything executes; every problem is reported, none is charged. */
export function validateOperation<C>(
  schema: Schema<C>,
  op: OperationNode,
  ctx: ExecutionContext,
  c: C,
): GraphqlError[] {
  const errors: GraphqlError[] = [];
  const known = schema.directives(c);
  const used = new Set<string>();
  const rootType =
    op.type === 'mutation' ? schema.mutationType : op.type === 'query' ? schema.queryType : undefined;
  if (rootType === undefined) {
    return [
      {
        message: 'Schema is not configured for subscriptions',
        locations: [op.loc],
        extensions: { code: 'missingSubscriptionConfiguration' },
      },
    ];
  }
  const checkDirectives = (directives: DirectiveNode[], path: Array<string | number>): void => {
    for (const d of directives) {
      d.args.forEach((a) => variablesUsed(a.value, used));
      if (!known.has(d.name))
        errors.push({
          message: `Directive @${d.name} is not defined`,
          locations: [d.loc],
          path,
          extensions: { code: 'undefinedDirective', directiveName: d.name },
        });
    }
  };
  const walk = (
    selections: SelectionNode[],
    typeName: string,
    path: Array<string | number>,
    seen: Set<string>,
  ): void => {
    const type = schema.types[typeName];
    if (!type) return;
    for (const s of selections) {
      checkDirectives(s.directives, path);
      if (s.kind === 'spread') {
        const fragment = ctx.fragments.get(s.name);
        if (!fragment) {
          errors.push({
            message: `Fragment ${s.name} was used, but not defined`,
            locations: [s.loc],
            path,
            extensions: { code: 'useAndDefineFragment', fragmentName: s.name },
          });
        } else if (!seen.has(s.name)) {
          walk(
            fragment.selections,
            fragment.typeCondition,
            [...path, `... ${s.name}`],
            new Set([...seen, s.name]),
          );
        }
        continue;
      }
      if (s.kind === 'inline') {
        const cond = s.typeCondition ?? typeName;
        if (!schema.types[cond]) {
          errors.push({
            message: `No such type ${cond}, so it can't be a fragment condition`,
            locations: [s.loc],
            path,
            extensions: { code: 'undefinedType', typeName: cond },
          });
          continue;
        }
        walk(s.selections, cond, [...path, `... on ${cond}`], seen);
        continue;
      }
      const fieldPath = [...path, s.alias ?? s.name];
      s.args.forEach((a) => variablesUsed(a.value, used));
      if (s.name === '__typename') continue;
      const spec = type.fields[s.name];
      if (!spec) {
        errors.push({
          message: `Field '${s.name}' doesn't exist on type '${typeName}'`,
          locations: [s.loc],
          path: fieldPath,
          extensions: { code: 'undefinedField', typeName, fieldName: s.name },
        });
        continue;
      }
      const argSpecs = spec.args ?? {};
      for (const a of s.args) {
        if (!(a.name in argSpecs))
          errors.push({
            message: `Field '${s.name}' doesn't accept argument '${a.name}'`,
            locations: [s.loc],
            path: [...fieldPath, a.name],
            extensions: {
              code: 'argumentNotAccepted',
              name: s.name,
              typeName: 'Field',
              argumentName: a.name,
            },
          });
      }
      const missing = Object.entries(argSpecs)
        .filter(([name, a]) => a.required && !s.args.some((given) => given.name === name))
        .map(([name]) => name);
      if (missing.length > 0)
        errors.push({
          message: `Field '${s.name}' is missing required arguments: ${missing.join(', ')}`,
          locations: [s.loc],
          path: fieldPath,
          extensions: {
            code: 'missingRequiredArguments',
            className: 'Field',
            name: s.name,
            arguments: missing.join(', '),
          },
        });
      const scalar = SCALARS.has(spec.type);
      if (scalar && s.selections.length > 0)
        errors.push({
          message: `Selections can't be made on scalars (field '${s.name}' returns ${spec.type} but has selections [${s.selections.map((x) => (x.kind === 'field' ? x.name : '...')).join(', ')}])`,
          locations: [s.loc],
          path: fieldPath,
          extensions: { code: 'selectionMismatch', nodeName: `field '${s.name}'`, typeName: spec.type },
        });
      else if (!scalar && s.selections.length === 0)
        errors.push({
          message: `Field must have selections (field '${s.name}' returns ${spec.type} but has no selections. Did you mean '${s.name} { ... }'?)`,
          locations: [s.loc],
          path: fieldPath,
          extensions: { code: 'selectionMismatch', nodeName: `field '${s.name}'`, typeName: spec.type },
        });
      else if (!scalar) walk(s.selections, spec.type, fieldPath, seen);
      if (missing.length === 0)
        errors.push(...(schema.validateField?.(s, argsOf(s, ctx.variables), c) ?? []));
    }
  };
  for (const v of op.variables) {
    const given = ctx.variables[v.name];
    if (v.type.kind === 'nonNull' && (given === undefined || given === null) && v.defaultValue === undefined)
      errors.push({
        message: `Variable $${v.name} of type ${typeToString(v.type)} was provided invalid value`,
        locations: [op.loc],
        extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
      });
    if (given === undefined && v.defaultValue !== undefined)
      ctx.variables[v.name] = valueOf(v.defaultValue, {});
  }
  checkDirectives(op.directives, [opPath(op)]);
  walk(op.selections, rootType, [opPath(op)], new Set());
  const declared = new Map(op.variables.map((v) => [v.name, v]));
  for (const name of used) {
    if (!declared.has(name))
      errors.push({
        message: `Variable $${name} is used by ${opPath(op)} but not declared`,
        locations: [op.loc],
        path: [opPath(op)],
        extensions: { code: 'variableNotDefined', variableName: name },
      });
  }
  return errors;
}

/** Requested cost: what the query could cost at most, from `first`/`last` and list arguments. */
export function requestedCost<C>(schema: Schema<C>, op: OperationNode, ctx: ExecutionContext): number {
  if (op.type === 'mutation')
    return schema.mutationCost * collectFields(schema, op.selections, schema.mutationType, ctx).length;
  return selectionCost(schema, op.selections, schema.queryType, ctx, 1);
}

function selectionCost<C>(
  schema: Schema<C>,
  selections: SelectionNode[],
  typeName: string,
  ctx: ExecutionContext,
  pageSize: number,
): number {
  const type = schema.types[typeName];
  if (!type) return 0;
  if (type.possibleTypes) {
    // an interface costs its own fields plus the most expensive concrete selection
    const own = fieldsCost(schema, collectFields(schema, selections, typeName, ctx), type, ctx, pageSize);
    const concrete = type.possibleTypes.map((t) => selectionCost(schema, selections, t, ctx, pageSize));
    return Math.max(own, ...concrete);
  }
  return fieldsCost(schema, collectFields(schema, selections, typeName, ctx), type, ctx, pageSize);
}

function fieldsCost<C>(
  schema: Schema<C>,
  fields: FieldNode[],
  type: ObjectType<C>,
  ctx: ExecutionContext,
  pageSize: number,
): number {
  let total = 0;
  for (const f of fields) {
    const spec = type.fields[f.name];
    if (!spec || SCALARS.has(spec.type)) continue;
    const args = argsOf(f, ctx.variables);
    if (spec.connection) {
      const size = Number(args['first'] ?? args['last'] ?? 0) || 0;
      total += 2 + selectionCost(schema, f.selections, spec.type, ctx, size);
      continue;
    }
    const children = selectionCost(schema, f.selections, spec.type, ctx, pageSize);
    const own = spec.free ? 0 : 1;
    let count = 1;
    if (spec.sizeArg !== undefined) {
      const list = args[spec.sizeArg];
      count = Array.isArray(list) ? list.length : 1;
    } else if (spec.list) count = pageSize;
    total += count * (own + children);
  }
  return total;
}

/** Executes the operation; returns the data and what it actually cost. Field errors land in ctx.errors. */
export function executeOperation<C>(
  schema: Schema<C>,
  op: OperationNode,
  ctx: ExecutionContext,
  c: C,
): { data: Record_; cost: number } {
  const rootType = op.type === 'mutation' ? schema.mutationType : schema.queryType;
  const fields = collectFields(schema, op.selections, rootType, ctx);
  const data: Record_ = {};
  let cost = 0;
  for (const f of fields) {
    // mutations run one after another, as GraphQL requires; each is priced flat
    const r = executeField(schema, rootType, {}, f, ctx, c, [f.alias ?? f.name]);
    data[f.alias ?? f.name] = r.value;
    cost += op.type === 'mutation' ? schema.mutationCost : r.cost;
  }
  return { data, cost };
}

function executeSelections<C>(
  schema: Schema<C>,
  selections: SelectionNode[],
  typeName: string,
  parent: Record_,
  ctx: ExecutionContext,
  c: C,
  path: Array<string | number>,
): { value: Record_; cost: number } {
  const concrete = typeof parent['__typename'] === 'string' ? parent['__typename'] : typeName;
  const out: Record_ = {};
  let cost = 0;
  for (const f of collectFields(schema, selections, concrete, ctx)) {
    const key = f.alias ?? f.name;
    if (f.name === '__typename') {
      out[key] = concrete;
      continue;
    }
    const r = executeField(schema, concrete, parent, f, ctx, c, [...path, key]);
    out[key] = r.value;
    cost += r.cost;
  }
  return { value: out, cost };
}

function executeField<C>(
  schema: Schema<C>,
  typeName: string,
  parent: Record_,
  f: FieldNode,
  ctx: ExecutionContext,
  c: C,
  path: Array<string | number>,
): { value: unknown; cost: number } {
  const spec = schema.types[typeName]?.fields[f.name];
  if (!spec) return { value: null, cost: 0 };
  let raw: unknown;
  try {
    raw = spec.resolve ? spec.resolve(parent, argsOf(f, ctx.variables), c, f) : parent[f.name];
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    ctx.errors.push({
      message: err.message,
      locations: [f.loc],
      path,
      ...(err.extensions ? { extensions: err.extensions } : {}),
    });
    return { value: null, cost: 0 };
  }
  if (raw === undefined || raw === null) return { value: null, cost: 0 };
  if (SCALARS.has(spec.type)) return { value: raw, cost: 0 };
  const one = (item: unknown, at: Array<string | number>): { value: unknown; cost: number } => {
    if (item === null || item === undefined || typeof item !== 'object') return { value: null, cost: 0 };
    const r = executeSelections(schema, f.selections, spec.type, item as Record_, ctx, c, at);
    return { value: r.value, cost: r.cost + (spec.free || spec.connection ? 0 : 1) };
  };
  if (spec.list && Array.isArray(raw)) {
    let cost = 0;
    const values = raw.map((item, i) => {
      const r = one(item, [...path, i]);
      cost += r.cost;
      return r.value;
    });
    return { value: values, cost };
  }
  const r = one(raw, path);
  return { value: r.value, cost: r.cost + (spec.connection ? 2 : 0) };
}

/** Thrown by a resolver: becomes an entry in `errors` with the field's path, and the field is null. */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly extensions?: Record_,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}
