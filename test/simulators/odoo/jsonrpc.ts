import type { Database } from './env';
import { asOdooError, OdooError, serializeError } from './errors';
import { htmlNotFound, isJsonContentType, jsonReply, textReply, type HttpReply } from './http-reply';
import { dispatchRpc } from './service';

/**
 * POST /jsonrpc (odoo.http.JsonRPCDispatcher): errors are HTTP 200 with an `error` member; a method that
 * returns None gets an answer without `result` (§9); an unparsable body gets a plain 400, like Odoo's abort().
 */
export function handleJsonRpc(db: Database, contentType: string | undefined, raw: string): HttpReply {
  if (!isJsonContentType(contentType))
    return {
      ...htmlNotFound(),
      status: 400,
      body: "<p>Request inferred type is compatible with ['http'] but '/jsonrpc' is type='json'.</p>",
    };
  let request: unknown;
  try {
    request = JSON.parse(raw);
  } catch {
    return textReply(400, 'Invalid JSON data');
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return textReply(400, 'Invalid JSON-RPC data');
  const { id = null, params = {} } = request as { id?: unknown; params?: unknown };
  const envelope = { jsonrpc: '2.0', id };
  try {
    const result = dispatchRpc(db, ...parseParams(params));
    return jsonReply(200, result === undefined || result === null ? envelope : { ...envelope, result });
  } catch (err) {
    const error = asOdooError(err);
    const code = db.version >= 19 ? 0 : 200; // "arbitrary" 200 up to 18, 0 in 19's dispatcher
    return jsonReply(200, {
      ...envelope,
      error: { code, message: 'Odoo Server Error', data: serializeError(error) },
    });
  }
}

/** The /jsonrpc controller is jsonrpc(service, method, args): params must bind to exactly those. */
function parseParams(params: unknown): [string, string, unknown[]] {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new OdooError('builtins.TypeError', 'jsonrpc() argument after ** must be a mapping');
  const { service, method, args, ...extra } = params as Record<string, unknown>;
  const unexpected = Object.keys(extra)[0];
  if (unexpected !== undefined)
    throw new OdooError('builtins.TypeError', `jsonrpc() got an unexpected keyword argument '${unexpected}'`);
  const missing = ['service', 'method', 'args'].filter((k) => !(k in params));
  if (missing.length > 0)
    throw new OdooError(
      'builtins.TypeError',
      `jsonrpc() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.map((m) => `'${m}'`).join(', ')}`,
    );
  if (typeof service !== 'string' || typeof method !== 'string' || !Array.isArray(args))
    throw new OdooError(
      'builtins.TypeError',
      'jsonrpc(): service and method must be strings and args a list',
    );
  return [service, method, args];
}
