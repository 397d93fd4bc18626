import type { FieldDef } from '../types';

type Extra = Partial<FieldDef>;

/** Shorthands so model files read like Odoo's field declarations. */
export const char = (string: string, extra: Extra = {}): FieldDef => ({ type: 'char', string, ...extra });
export const text = (string: string, extra: Extra = {}): FieldDef => ({ type: 'text', string, ...extra });
export const int = (string: string, extra: Extra = {}): FieldDef => ({ type: 'integer', string, ...extra });
export const float = (string: string, extra: Extra = {}): FieldDef => ({ type: 'float', string, ...extra });
export const bool = (string: string, extra: Extra = {}): FieldDef => ({ type: 'boolean', string, ...extra });
export const datetime = (string: string, extra: Extra = {}): FieldDef => ({
  type: 'datetime',
  string,
  ...extra,
});
export const date = (string: string, extra: Extra = {}): FieldDef => ({ type: 'date', string, ...extra });
export const selection = (
  string: string,
  options: ReadonlyArray<readonly [string, string]>,
  extra: Extra = {},
): FieldDef => ({ type: 'selection', string, selection: options, ...extra });
export const many2one = (relation: string, string: string, extra: Extra = {}): FieldDef => ({
  type: 'many2one',
  string,
  relation,
  ...extra,
});
export const one2many = (
  relation: string,
  inverseName: string,
  string: string,
  extra: Extra = {},
): FieldDef => ({
  type: 'one2many',
  string,
  relation,
  inverseName,
  ...extra,
});
export const many2many = (relation: string, string: string, extra: Extra = {}): FieldDef => ({
  type: 'many2many',
  string,
  relation,
  ...extra,
});
export const active = (): FieldDef => bool('Active', { default: true });
