import type { Database, Env } from './env';
import { accessDenied, accessError, OdooError, typeError, userError, valueError } from './errors';
import { bindArgs, findMethod } from './methods';
import type { Context, MethodDef, ModelDef, OdooVersion, Vals } from './types';

/**
 * The RPC services behind /jsonrpc (odoo.http.dispatch_rpc): `common`, `object` and a little of `db`.
 * The transports (jsonrpc.ts, json2.ts) only parse and frame; everything Odoo decides happens here.
 */

export function versionInfo(version: OdooVersion): Vals {
  const serie = `${version}.0`;
  return {
    server_version: serie,
    server_version_info: [version, 0, 0, 'final', 0, ''],
    server_serie: serie,
    protocol_version: 1,
  };
}

export function dispatchRpc(db: Database, service: string, method: string, args: unknown[]): unknown {
  switch (service) {
    case 'common':
      return common(db, method, args);
    case 'object':
      return object(db, method, args);
    case 'db':
      return dbService(db, method);
    default:
      throw new OdooError('builtins.KeyError', `'${service}'`);
  }
}

function notAvailable(method: string): OdooError {
  return new OdooError('builtins.NameError', `Method not available ${method}`);
}

/** psycopg2 refusing the connection: what Odoo answers when the db name is wrong. */
export function checkDb(db: Database, name: unknown): void {
  if (name === db.name) return;
  throw new OdooError(
    'psycopg2.OperationalError',
    `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${String(name)}" does not exist\n`,
  );
}

function requireArgs(fn: string, args: unknown[], names: string[]): void {
  if (args.length < names.length) {
    const missing = names.slice(args.length);
    const list = missing.map((n) => `'${n}'`).join(missing.length === 2 ? ' and ' : ', ');
    throw typeError(
      `${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`,
    );
  }
  if (args.length > names.length)
    throw typeError(`${fn}() takes ${names.length} positional arguments but ${args.length} were given`);
}

function common(db: Database, method: string, args: unknown[]): unknown {
  switch (method) {
    case 'version':
      return versionInfo(db.version);
    case 'about':
      return 'See http://openerp.com';
    case 'login':
      requireArgs('exp_login', args, ['db', 'login', 'password']);
      return authenticate(db, args[0], args[1], args[2]);
    case 'authenticate':
      requireArgs('exp_authenticate', args, ['db', 'login', 'password', 'user_agent_env']);
      return authenticate(db, args[0], args[1], args[2]);
    default:
      throw notAvailable(method);
  }
}

function dbService(db: Database, method: string): unknown {
  if (method === 'list') return [db.name];
  if (method === 'server_version') return versionInfo(db.version)['server_version'];
  throw notAvailable(method);
}

/** Bad credentials give `false`, never an error (the AccessDenied is swallowed by exp_authenticate). */
function authenticate(db: Database, dbName: unknown, login: unknown, password: unknown): number | false {
  checkDb(db, dbName);
  const user = [...db.store.rows('res.users')].find((u) => u['login'] === login && u['active'] === true);
  if (!user || typeof password !== 'string') return false;
  return user['password'] === password || db.apiKeys.get(password) === user.id ? user.id : false;
}

/** res.users.check: the uid and its password or API key, or AccessDenied. */
export function checkCredentials(db: Database, uid: unknown, password: unknown): number {
  if (typeof uid !== 'number' || typeof password !== 'string') throw accessDenied();
  const user = db.store.get('res.users', uid);
  if (!user || user['active'] !== true) throw accessDenied();
  if (user['password'] !== password && db.apiKeys.get(password) !== uid) throw accessDenied();
  return uid;
}

function object(db: Database, method: string, args: unknown[]): unknown {
  if (method !== 'execute_kw' && method !== 'execute') throw notAvailable(method);
  const [dbName, uid, password, model, name] = args;
  checkDb(db, dbName);
  if (typeof model === 'string' && typeof name === 'string') db.calls.push({ model, method: name });
  const user = checkCredentials(db, uid, password);
  if (method === 'execute') return execute(db, user, model, name, args.slice(5), {});
  const [callArgs = [], callKwargs = {}] = args.slice(5);
  if (!Array.isArray(callArgs))
    throw typeError(`execute_kw() argument 'args' must be a list, not ${typeof callArgs}`);
  if (typeof callKwargs !== 'object' || callKwargs === null || Array.isArray(callKwargs))
    throw typeError("execute_kw() argument 'kwargs' must be a dict");
  return execute(db, user, model, name, callArgs, callKwargs as Vals);
}

/** odoo.service.model.execute_kw + odoo.api.call_kw. */
function execute(
  db: Database,
  uid: number,
  model: unknown,
  name: unknown,
  args: unknown[],
  kwargs: Vals,
): unknown {
  const methodName = String(name);
  checkMethodName(model, methodName);
  const modelDef = typeof model === 'string' ? db.registry.get(model) : undefined;
  if (!modelDef) throw userError(`Object ${String(model)} doesn't exist`);
  const method = findMethod(modelDef, methodName);
  if (!method) throw attributeError(db.version, modelDef.name, methodName);
  const { context: rawContext, ...named } = kwargs;
  const context = parseContext(rawContext);
  let ids: number[] = [];
  let positional = args;
  if (!method.apiModel) {
    if (args.length === 0) throw new OdooError('builtins.IndexError', 'list index out of range');
    ids = parseIds(args[0]);
    positional = args.slice(1);
  }
  const bound = bindArgs(methodName, method, positional, named, 'call');
  return runMethod(db, uid, context, modelDef, method, ids, bound);
}

export function checkMethodName(model: unknown, name: string): void {
  if (name.startsWith('_') || name.startsWith('init'))
    throw accessError(`Private methods (such as '${String(model)}.${name}') cannot be called remotely.`);
}

export function attributeError(version: OdooVersion, model: string, name: string): OdooError {
  return new OdooError(
    'builtins.AttributeError',
    version >= 18
      ? `The method '${model}.${name}' does not exist`
      : `type object '${model}' has no attribute '${name}'`,
  );
}

/** One call = one transaction; a failure rolls back everything the call wrote. */
export function runMethod(
  db: Database,
  uid: number,
  context: Context,
  model: ModelDef,
  method: MethodDef,
  ids: number[],
  args: Vals,
): unknown {
  return db.transaction(uid, context, (env: Env) => {
    checkCompanies(env);
    env.checkAccess(model.name);
    return method.call(env, ids, args, model);
  });
}

function checkCompanies(env: Env): void {
  const allowed = env.context['allowed_company_ids'];
  if (allowed === undefined) return;
  const mine = new Set(env.userCompanyIds());
  if (!Array.isArray(allowed) || !allowed.every((id) => typeof id === 'number' && mine.has(id)))
    throw accessError('Access to unauthorized or invalid companies.');
}

export function parseContext(raw: unknown): Context {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw valueError('context must be a dictionary');
  return raw as Context;
}

export function parseIds(raw: unknown): number[] {
  if (typeof raw === 'number' && Number.isInteger(raw)) return [raw];
  if (Array.isArray(raw) && raw.every((id) => typeof id === 'number' && Number.isInteger(id)))
    return raw as number[];
  if (raw === false || raw === null) return [];
  throw valueError(`Invalid record ids ${JSON.stringify(raw)}: expected an id or a list of ids`);
}
