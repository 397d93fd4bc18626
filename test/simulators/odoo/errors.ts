/**
 * Python exceptions as Odoo serializes them (`odoo.http.serialize_exception`). `httpStatus` is what JSON-2
 * answers with (UserError.http_status in 18+); JSON-RPC always answers 200 and only uses `name`/`message`.
 */
export type OdooErrorName =
  | 'odoo.exceptions.AccessDenied'
  | 'odoo.exceptions.AccessError'
  | 'odoo.exceptions.UserError'
  | 'odoo.exceptions.ValidationError'
  | 'odoo.exceptions.MissingError'
  | 'builtins.ValueError'
  | 'builtins.TypeError'
  | 'builtins.KeyError'
  | 'builtins.AttributeError'
  | 'builtins.NameError'
  | 'builtins.IndexError'
  | 'builtins.RuntimeError'
  | 'psycopg2.OperationalError'
  | 'werkzeug.exceptions.BadRequest'
  | 'werkzeug.exceptions.Unauthorized'
  | 'werkzeug.exceptions.NotFound'
  | 'werkzeug.exceptions.UnprocessableEntity';

export class OdooError extends Error {
  constructor(
    readonly pyName: OdooErrorName,
    message: string,
    readonly httpStatus: number = 500,
    /** Python's exc.args; werkzeug HTTP errors carry (description, code). */
    readonly args: unknown[] = [message],
  ) {
    super(message);
    this.name = 'OdooError';
  }
}

export interface OdooErrorData {
  name: string;
  message: string;
  arguments: unknown[];
  context: Record<string, never>;
  debug: string;
}

export const accessDenied = (): OdooError =>
  new OdooError('odoo.exceptions.AccessDenied', 'Access Denied', 403);
export const accessError = (message: string): OdooError =>
  new OdooError('odoo.exceptions.AccessError', message, 403);
export const userError = (message: string): OdooError =>
  new OdooError('odoo.exceptions.UserError', message, 422);
export const validationError = (message: string): OdooError =>
  new OdooError('odoo.exceptions.ValidationError', message, 422);
export const missingError = (model: string, ids: number[], uid: number): OdooError =>
  new OdooError(
    'odoo.exceptions.MissingError',
    `Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')},), User: ${uid})`,
    404,
  );
export const valueError = (message: string): OdooError => new OdooError('builtins.ValueError', message);
export const typeError = (message: string): OdooError => new OdooError('builtins.TypeError', message);

/** The traceback Odoo puts in `debug`; ours is short but keeps the shape clients print or log. */
function traceback(err: OdooError): string {
  const shortName = err.pyName.startsWith('builtins.') ? err.pyName.slice('builtins.'.length) : err.pyName;
  return [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1790, in _serve_db',
    '    return service_model.retrying(self._serve_ir_http, self.env)',
    '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 133, in retrying',
    '    result = func()',
    `${shortName}: ${err.message}`,
    '',
  ].join('\n');
}

export function serializeError(err: OdooError): OdooErrorData {
  return { name: err.pyName, message: err.message, arguments: err.args, context: {}, debug: traceback(err) };
}

/** Anything that is not an OdooError is a bug in the simulator: surface it as a Python-style server error. */
export function asOdooError(err: unknown): OdooError {
  if (err instanceof OdooError) return err;
  const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
  return new OdooError('builtins.RuntimeError', `simulator bug: ${message}`);
}

/** Python's repr() of a JSON value, for messages that quote the offending value like Odoo does. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value) ?? 'None';
}
