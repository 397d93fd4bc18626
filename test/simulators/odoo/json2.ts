import type { Database } from './env';
import { asOdooError, OdooError, serializeError } from './errors';
import { htmlNotFound, jsonReply, type HttpReply } from './http-reply';
import { bindArgs, findMethod } from './methods';
import { attributeError, checkMethodName, parseContext, parseIds, runMethod } from './service';
import type { Vals } from './types';

/**
 * Odoo 19's JSON-2 API (addons/rpc/controllers/json2.py): POST /json/2/<model>/<method>, bearer API key,
 * named arguments plus `ids` and `context`, the bare result as JSON, and real HTTP statuses for errors.
 */
export interface Json2Request {
  method: string;
  path: string;
  authorization: string | undefined;
  database: string | undefined;
  body: string;
}

type HttpErrorName = 'Unauthorized' | 'NotFound' | 'UnprocessableEntity' | 'BadRequest';
const httpError = (name: HttpErrorName, code: number, message: string): OdooError =>
  new OdooError(`werkzeug.exceptions.${name}`, message, code, [message, code]);

export function handleJson2(db: Database, req: Json2Request): HttpReply {
  if (db.version < 19) return htmlNotFound();
  try {
    return jsonReply(200, call(db, req) ?? null);
  } catch (err) {
    const error = asOdooError(err);
    return jsonReply(error.httpStatus, serializeError(error));
  }
}

function call(db: Database, req: Json2Request): unknown {
  const match = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(req.path);
  if (!match || req.method !== 'POST')
    throw httpError('NotFound', 404, 'Did you mean POST /json/2/<model>/<method>?');
  const [, modelName = '', methodName = ''] = match.map((part) => decodeURIComponent(part));
  const key = /^bearer\s+(.+)$/i.exec(req.authorization ?? '')?.[1]?.trim();
  const uid = key === undefined ? undefined : db.apiKeys.get(key);
  if (uid === undefined) throw httpError('Unauthorized', 401, 'Invalid apikey');
  if (req.database !== undefined && req.database !== db.name)
    throw httpError('NotFound', 404, `database ${JSON.stringify(req.database)} not found`);
  db.calls.push({ model: modelName, method: methodName });
  const body = parseBody(req.body);
  const { ids: rawIds = [], context: rawContext, ...named } = body;
  const model = db.registry.get(modelName);
  if (!model) throw httpError('NotFound', 404, `the model '${modelName}' does not exist`);
  checkMethodName(modelName, methodName);
  const method = findMethod(model, methodName);
  if (!method) throw httpError('NotFound', 404, attributeError(19, modelName, methodName).message);
  const ids = parseIds(rawIds);
  if (method.apiModel && ids.length > 0)
    throw httpError('UnprocessableEntity', 422, `cannot call ${modelName}.${methodName} with ids`);
  let bound: Vals;
  try {
    bound = bindArgs(methodName, method, [], named, 'signature');
  } catch (err) {
    throw httpError('UnprocessableEntity', 422, err instanceof Error ? err.message : String(err));
  }
  return runMethod(db, uid, parseContext(rawContext), model, method, ids, bound);
}

function parseBody(raw: string): Vals {
  if (raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw httpError(
      'BadRequest',
      400,
      `could not parse the body as json: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Vals) : {};
}
