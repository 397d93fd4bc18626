import type { Env } from './env';

export type OdooVersion = 16 | 17 | 18 | 19;

/** A stored column value. many2one = id or null, many2many = ids, datetime = epoch ms (UTC). */
export type Value = string | number | boolean | null | number[];

export interface Row {
  id: number;
  [field: string]: Value | undefined;
}

export type Vals = Record<string, unknown>;
export type Context = Record<string, unknown>;

export type FieldType =
  | 'char'
  | 'text'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'selection'
  | 'datetime'
  | 'date'
  | 'many2one'
  | 'one2many'
  | 'many2many';

export interface FieldDef {
  type: FieldType;
  string: string;
  relation?: string;
  /** one2many: the many2one field on `relation` that points back. */
  inverseName?: string;
  selection?: ReadonlyArray<readonly [string, string]>;
  required?: boolean;
  readonly?: boolean;
  /** Not stored: computed for a batch of rows (quantities are batch-computed with indexes). */
  compute?: (env: Env, rows: Row[]) => Value[];
  /**
   * Lets a computed field be written (17's detailed_type, 18's is_storable map onto internal columns). Returns
   * stored columns to set on the row, or writes elsewhere itself and returns {}.
   */
  inverse?: (env: Env, row: Row, value: Value) => Record<string, Value>;
  default?: Value | ((env: Env) => Value);
  /** Stored but never exposed over RPC (passwords, internal state). */
  internal?: boolean;
  /** Odoo module that adds the field; absent when that module is not installed. */
  module?: string;
  since?: OdooVersion;
  until?: OdooVersion;
}

export interface MethodParam {
  name: string;
  required?: boolean;
}

export interface MethodDef {
  /** `@api.model` methods take no ids (JSON-2 answers 422 when ids are given). */
  apiModel?: boolean;
  params: readonly MethodParam[];
  /** Returns the JSON result; `undefined` is Python's None. */
  call: (env: Env, ids: number[], args: Vals, model: ModelDef) => unknown;
}

export type AccessGroup = 'base' | 'stock' | 'sale' | 'mrp';

export interface ModelDef {
  name: string;
  description: string;
  module: string;
  group: AccessGroup;
  order: string;
  recName?: string;
  /** Field used by child_of / parent_of (Odoo's _parent_name). */
  parentName?: string;
  transient?: boolean;
  fields: Record<string, FieldDef>;
  methods?: Record<string, MethodDef>;
  displayName?: (env: Env, row: Row) => string;
  /** Overrides of the generic ORM writes; `next` runs the generic behaviour. */
  create?: (env: Env, valsList: Vals[], next: (valsList: Vals[]) => number[]) => number[];
  write?: (env: Env, ids: number[], vals: Vals, next: (ids: number[], vals: Vals) => void) => void;
  unlink?: (env: Env, ids: number[], next: (ids: number[]) => void) => void;
}
