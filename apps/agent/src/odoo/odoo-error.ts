/** What went wrong, in terms of what the IT person has to fix. */
export type OdooErrorKind =
  | 'unreachable' // no TCP/HTTP answer: URL, DNS, firewall, Odoo down
  | 'timeout' // Odoo did not answer within the timeout
  | 'auth' // login or API key rejected (also: expired key)
  | 'database' // the database does not exist on that server
  | 'module-missing' // Stock (or a model we need) is not installed
  | 'access' // the user lacks access rights on a model
  | 'server' // Odoo raised another error, or a proxy answered 5xx
  | 'protocol'; // the answer is not what an Odoo server sends (wrong URL, proxy page, bug)

export const ODOO_ERROR_KINDS: readonly OdooErrorKind[] = [
  'unreachable',
  'timeout',
  'auth',
  'database',
  'module-missing',
  'access',
  'server',
  'protocol',
];

export interface OdooErrorDetails {
  /** Worth repeating the same call after a pause (transport errors, 502/503/504, serialization failures). */
  retryable?: boolean;
  /** Odoo's exception class (`error.data.name` in JSON-RPC, `name` in JSON-2), when Odoo sent one. */
  odooName?: string;
  /** The server's own message (never contains our secrets). */
  odooMessage?: string;
  httpStatus?: number;
  cause?: unknown;
}

/**
 * Every failure of the Odoo client. The message is one sentence that names the problem and what to check,
 * e.g. `Odoo rejected the login of bot@example.com on database "prod": check ODOO_USER and ODOO_API_KEY`.
 */
export class OdooError extends Error {
  readonly retryable: boolean;
  readonly odooName: string | undefined;
  readonly odooMessage: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(
    readonly kind: OdooErrorKind,
    message: string,
    details: OdooErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OdooError';
    this.retryable = details.retryable ?? false;
    this.odooName = details.odooName;
    this.odooMessage = details.odooMessage;
    this.httpStatus = details.httpStatus;
  }
}

/** Who we talk to: used to write messages that name the server, database and user. */
export interface OdooTarget {
  url: string;
  db: string;
  user: string;
}

/** What was being called when an error happened. */
export interface OdooCallSite {
  model?: string;
  method: string;
}

const READ_METHODS = new Set([
  'search_read',
  'read',
  'search',
  'search_count',
  'fields_get',
  'read_group',
  'name_search',
  'context_get',
  'check_access_rights',
  'common.version',
  'common.authenticate',
  'GET /web/version',
]);

/** Read-only methods: safe to repeat after a timeout or a dropped connection. */
export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method);
}

// Exception names Odoo (or psycopg2 under it) uses for "try again": the server already retried 5 times.
const RETRYABLE_NAMES = [
  'SerializationFailure',
  'TransactionRollbackError',
  'DeadlockDetected',
  'LockNotAvailable',
  'ConcurrentUpdate',
];

const DB_MISSING = /database\s+"?([^"\s]*)"?\s+does not exist|database\s+.*\bnot found|unknown database/i;
const MODEL_MISSING =
  /Object ([\w.]+) doesn't exist|model\s+['"]?([\w.]+)['"]?\s+(?:does not exist|not found)|KeyError: '([\w.]+)'/i;

function what(site: OdooCallSite): string {
  return site.model ? `${site.model}.${site.method}` : site.method;
}

/**
 * Turns an Odoo exception (name + message) into an OdooError. JSON-RPC errors are dispatched by
 * `error.data.name` only: `error.code` is arbitrary (200 in 16–18, 0 in 19).
 */
export function classifyOdooException(
  target: OdooTarget,
  site: OdooCallSite,
  name: string,
  message: string,
  httpStatus?: number,
): OdooError {
  const details = { odooName: name, odooMessage: message, httpStatus };
  const shortName = name.split('.').pop() ?? name;
  if (shortName === 'AccessDenied' || shortName === 'Unauthorized' || /invalid api ?key/i.test(message)) {
    return new OdooError(
      'auth',
      `Odoo rejected the login of ${target.user} on database "${target.db}": check ODOO_USER and ODOO_API_KEY`,
      details,
    );
  }
  if (DB_MISSING.test(message)) {
    return new OdooError(
      'database',
      `database "${target.db}" does not exist on ${target.url}: check ODOO_DB`,
      details,
    );
  }
  if (shortName === 'AccessError' || shortName === 'Forbidden') {
    const verb = isReadMethod(site.method) ? 'read' : `call ${site.method} on`;
    return new OdooError(
      'access',
      `the user ${target.user} may not ${verb} ${site.model ?? 'this model'}: give it Inventory / User rights` +
        ` (Odoo said: ${oneLine(message)})`,
      details,
    );
  }
  const missing = MODEL_MISSING.exec(message);
  if (missing) {
    const model = missing[1] ?? missing[2] ?? missing[3] ?? site.model ?? '?';
    return new OdooError(
      'module-missing',
      `the model ${model} does not exist in "${target.db}": the module that provides it is not installed`,
      details,
    );
  }
  if (RETRYABLE_NAMES.some((n) => name.includes(n))) {
    return new OdooError(
      'server',
      `Odoo hit a concurrent update while running ${what(site)} (${shortName}); the call is retried`,
      { ...details, retryable: true },
    );
  }
  return new OdooError(
    'server',
    `Odoo failed to run ${what(site)}: ${shortName}: ${oneLine(message)}`,
    details,
  );
}

/** Codes that prove the request never reached Odoo: safe to resend even for a write. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function errorCode(err: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/** `fetch failed` says nothing; its cause says e.g. `bad port`. */
function deepestMessage(err: unknown): string {
  let message = String(err);
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    if ('message' in e && typeof e.message === 'string' && e.message !== '') message = e.message;
    e = 'cause' in e ? e.cause : undefined;
  }
  return message;
}

/** Maps a thrown fetch error (network failure or timeout) to an OdooError. */
export function classifyTransportError(
  target: OdooTarget,
  site: OdooCallSite,
  err: unknown,
  timeoutMs: number,
): OdooError {
  if (err instanceof OdooError) return err;
  // Duck-typed: fetch's DOMException comes from another realm under test runners, so instanceof fails.
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new OdooError(
      'timeout',
      `Odoo at ${target.url} did not answer ${what(site)} within ${timeoutMs} ms: check that Odoo is not overloaded`,
      { retryable: isReadMethod(site.method), cause: err },
    );
  }
  const code = errorCode(err) ?? deepestMessage(err);
  const sent = !NOT_SENT_CODES.has(code);
  return new OdooError(
    'unreachable',
    `Odoo at ${target.url} is unreachable (${code}): check ODOO_URL and that Odoo runs`,
    {
      // A reset after sending may have run a write: only repeat reads, or requests that never left.
      retryable: !sent || isReadMethod(site.method),
      cause: err,
    },
  );
}

/** Maps an HTTP answer that carries no Odoo exception (proxy page, 404 on a non-Odoo URL...). */
export function classifyHttpStatus(
  target: OdooTarget,
  site: OdooCallSite,
  path: string,
  status: number,
  bodySnippet: string,
): OdooError {
  const snippet = bodySnippet ? `: ${oneLine(bodySnippet).slice(0, 120)}` : '';
  if (status === 502 || status === 503 || status === 504) {
    return new OdooError(
      'server',
      `Odoo at ${target.url} answered HTTP ${status} to ${what(site)} (busy, restarting or behind a failing proxy)`,
      { retryable: true, httpStatus: status },
    );
  }
  if (status === 401) {
    return new OdooError(
      'auth',
      `Odoo rejected the login of ${target.user} on database "${target.db}": check ODOO_USER and ODOO_API_KEY`,
      { httpStatus: status },
    );
  }
  if (status === 404) {
    return new OdooError(
      'protocol',
      `${target.url}${path} answered HTTP 404: check that ODOO_URL points at the Odoo server itself`,
      { httpStatus: status },
    );
  }
  if (status >= 500) {
    return new OdooError(
      'server',
      `Odoo at ${target.url} answered HTTP ${status} to ${what(site)}${snippet}`,
      {
        httpStatus: status,
      },
    );
  }
  return new OdooError(
    'protocol',
    `Odoo at ${target.url} answered HTTP ${status} to ${what(site)}${snippet}: check ODOO_URL`,
    { httpStatus: status },
  );
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
