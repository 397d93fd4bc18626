import { isRecord } from '@stockbridge/shared';
import { OdooError, type OdooTarget } from './odoo-error';
import { Json2Transport } from './json2.transport';
import { jsonRpc, JsonRpcTransport } from './json-rpc.transport';
import {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  httpExchange,
  parseJsonBody,
  withRetries,
  type OdooTransport,
  type RetryPolicy,
  type TransportOptions,
} from './odoo-transport';

export interface OdooLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface OdooClientConfig {
  url: string;
  db: string;
  user: string;
  apiKey: string;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
  logger?: OdooLogger;
  retry?: Partial<RetryPolicy>;
}

export interface OdooVersion {
  major: number;
  minor: number;
  /** As Odoo names it: "17.0", "saas~18.4". */
  label: string;
}

/** How "storable" is spelled: 18+ `is_storable`, 16/17 `detailed_type == 'product'`, older `type == 'product'`. */
export type StorableField = 'is_storable' | 'detailed_type' | 'type';

/** A domain in Odoo's prefix notation, e.g. `['|', ['a', '=', 1], ['b', '>', 2]]`. */
export type OdooDomainTerm = string | [string, string, unknown];
export type OdooDomain = OdooDomainTerm[];

export type OdooRecord = Record<string, unknown> & { id: number };

export interface SearchReadOptions {
  fields: string[];
  limit?: number;
  offset?: number;
  order?: string;
  context?: Record<string, unknown>;
}

/** First Odoo major version with the JSON-2 API (and deprecated JSON-RPC). */
export const JSON2_SINCE = 19;

/**
 * A connected Odoo: version detected, transport chosen (JSON-RPC for 16–18, JSON-2 for 19+), credentials
 * verified, Stock installed and readable. Every failure is an OdooError with a message for the IT person.
 */
export class OdooClient {
  private readonly models = new Map<string, boolean>();

  private constructor(
    readonly target: OdooTarget,
    readonly version: OdooVersion,
    readonly uid: number,
    private readonly transport: OdooTransport,
    readonly storableField: StorableField,
  ) {}

  static async connect(config: OdooClientConfig): Promise<OdooClient> {
    const target: OdooTarget = { url: config.url.replace(/\/+$/, ''), db: config.db, user: config.user };
    const options: TransportOptions = {
      target,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: { ...DEFAULT_RETRY, ...config.retry },
    };
    const version = await detectOdooVersion(options);
    if (version.major < 16) {
      config.logger?.warn(
        { odooVersion: version.label },
        'Odoo versions before 16 are not supported; trying anyway',
      );
    }
    const { transport, uid } =
      version.major >= JSON2_SINCE ? await connectJson2(options) : await connectJsonRpc(options);
    const storableField = await checkStock(transport, target);
    const client = new OdooClient(target, version, uid, transport, storableField);
    await client.checkReadable('stock.move');
    config.logger?.info(
      { odooVersion: version.label, transport: transport.kind, uid, db: target.db },
      `connected to Odoo ${version.label} at ${target.url} over ${transport.kind === 'json2' ? 'JSON-2' : 'JSON-RPC'}`,
    );
    return client;
  }

  get transportKind(): OdooTransport['kind'] {
    return this.transport.kind;
  }

  /** Any model method, execute_kw style: positional args plus kwargs (with `context`). */
  call(
    model: string,
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown> {
    return this.transport.call(model, method, args, kwargs);
  }

  async searchRead(model: string, domain: OdooDomain, options: SearchReadOptions): Promise<OdooRecord[]> {
    const kwargs: Record<string, unknown> = { fields: options.fields };
    if (options.limit !== undefined) kwargs['limit'] = options.limit;
    if (options.offset !== undefined) kwargs['offset'] = options.offset;
    if (options.order !== undefined) kwargs['order'] = options.order;
    if (options.context !== undefined) kwargs['context'] = options.context;
    return this.records(model, 'search_read', await this.call(model, 'search_read', [domain], kwargs));
  }

  /** Reads records by id; ids that no longer exist are simply absent from the answer (Odoo skips them). */
  async read(
    model: string,
    ids: number[],
    fields: string[],
    context?: Record<string, unknown>,
  ): Promise<OdooRecord[]> {
    if (ids.length === 0) return [];
    const kwargs = context === undefined ? {} : { context };
    return this.records(model, 'read', await this.call(model, 'read', [ids, fields], kwargs));
  }

  async searchCount(model: string, domain: OdooDomain, context?: Record<string, unknown>): Promise<number> {
    const result = await this.call(model, 'search_count', [domain], context === undefined ? {} : { context });
    if (typeof result !== 'number') throw this.protocol(model, 'search_count', 'a number');
    return result;
  }

  async fieldsGet(
    model: string,
    fields?: string[],
    attributes: string[] = ['type', 'string'],
  ): Promise<Record<string, Record<string, unknown>>> {
    const result = await this.call(model, 'fields_get', [], {
      ...(fields ? { allfields: fields } : {}),
      attributes,
    });
    if (!isRecord(result)) throw this.protocol(model, 'fields_get', 'an object');
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, desc] of Object.entries(result)) if (isRecord(desc)) out[name] = desc;
    return out;
  }

  /** Whether a model exists (its module is installed); asked once per client. */
  async hasModel(model: string): Promise<boolean> {
    const known = this.models.get(model);
    if (known !== undefined) return known;
    try {
      await this.fieldsGet(model, ['id'], ['type']);
      this.models.set(model, true);
    } catch (err) {
      if (!(err instanceof OdooError && err.kind === 'module-missing')) throw err;
      this.models.set(model, false);
    }
    return this.models.get(model) ?? false;
  }

  /** Product fields that decide whether Odoo tracks stock for a product. */
  get storableFields(): string[] {
    return [this.storableField];
  }

  isStorable(product: Record<string, unknown>): boolean {
    switch (this.storableField) {
      case 'is_storable':
        return product['is_storable'] === true;
      case 'detailed_type':
        return product['detailed_type'] === 'product';
      case 'type':
        return product['type'] === 'product';
    }
  }

  private async checkReadable(model: string): Promise<void> {
    await this.searchRead(model, [], { fields: ['id'], limit: 1, order: 'id desc' });
  }

  private records(model: string, method: string, result: unknown): OdooRecord[] {
    if (!Array.isArray(result)) throw this.protocol(model, method, 'a list of records');
    for (const row of result) {
      if (!isRecord(row) || !Number.isSafeInteger(row['id']))
        throw this.protocol(model, method, 'records with ids');
    }
    return result as OdooRecord[];
  }

  private protocol(model: string, method: string, expected: string): OdooError {
    return new OdooError(
      'protocol',
      `Odoo at ${this.target.url} answered ${model}.${method} with something other than ${expected}`,
    );
  }
}

/** `GET /web/version` (19+, some 18), falling back to JSON-RPC `common.version` (all versions). */
export async function detectOdooVersion(options: TransportOptions): Promise<OdooVersion> {
  const answer = await withRetries(options.retry, () =>
    httpExchange(options, { method: 'GET /web/version' }, '/web/version', {
      method: 'GET',
      headers: { Accept: 'application/json' },
    }).then((a) => {
      if (a.status === 502 || a.status === 503 || a.status === 504) {
        throw new OdooError(
          'server',
          `Odoo at ${options.target.url} answered HTTP ${a.status} (busy or restarting)`,
          {
            retryable: true,
            httpStatus: a.status,
          },
        );
      }
      return a;
    }),
  );
  const parsed = answer.status === 200 ? parseJsonBody(answer) : undefined;
  const fromWeb =
    parsed && isRecord(parsed.value)
      ? parseVersion(parsed.value['version_info'], parsed.value['version'])
      : undefined;
  if (fromWeb) return fromWeb;
  const info = await jsonRpc(options, 'common', 'version', []);
  const fromRpc = isRecord(info)
    ? parseVersion(info['server_version_info'], info['server_serie'] ?? info['server_version'])
    : undefined;
  if (!fromRpc) {
    throw new OdooError(
      'protocol',
      `${options.target.url} does not tell its Odoo version (common.version): check that ODOO_URL points at Odoo`,
    );
  }
  return fromRpc;
}

/** `[17, 0, 0, "final", 0, ""]` or `["saas~18", 4, ...]` → {major, minor}. */
export function parseVersion(info: unknown, label: unknown): OdooVersion | undefined {
  if (!Array.isArray(info) || info.length < 2) return undefined;
  const [first, second] = info as unknown[];
  const major = typeof first === 'number' ? first : Number(/(\d+)/.exec(String(first))?.[1]);
  const minor = typeof second === 'number' ? second : Number(second);
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) return undefined;
  return { major, minor, label: typeof label === 'string' && label !== '' ? label : `${major}.${minor}` };
}

const rejectedLogin = (target: OdooTarget): OdooError =>
  new OdooError(
    'auth',
    `Odoo rejected the login of ${target.user} on database "${target.db}": check ODOO_USER and ODOO_API_KEY`,
  );

async function connectJsonRpc(options: TransportOptions): Promise<{ transport: OdooTransport; uid: number }> {
  const { db, user } = options.target;
  // Returns the uid, or false (not an error) for a bad login or key.
  const uid = await jsonRpc(options, 'common', 'authenticate', [db, user, options.apiKey, {}]);
  if (uid === false || uid === null) throw rejectedLogin(options.target);
  if (typeof uid !== 'number' || !Number.isSafeInteger(uid)) {
    throw new OdooError(
      'protocol',
      `Odoo at ${options.target.url} answered common.authenticate without a user id`,
    );
  }
  return { transport: new JsonRpcTransport(options, uid), uid };
}

async function connectJson2(options: TransportOptions): Promise<{ transport: OdooTransport; uid: number }> {
  const transport = new Json2Transport(options);
  // The bearer key identifies the user; context_get proves it works and tells the uid.
  const context = await transport.call('res.users', 'context_get', [], {});
  const uid = isRecord(context) ? context['uid'] : undefined;
  if (typeof uid !== 'number' || !Number.isSafeInteger(uid)) {
    throw new OdooError(
      'protocol',
      `Odoo at ${options.target.url} answered res.users/context_get without a uid`,
    );
  }
  return { transport, uid };
}

async function checkStock(transport: OdooTransport, target: OdooTarget): Promise<StorableField> {
  const wanted = ['qty_available', 'free_qty', 'virtual_available', 'is_storable', 'detailed_type', 'type'];
  let fields: unknown;
  try {
    fields = await transport.call('product.product', 'fields_get', [], {
      allfields: wanted,
      attributes: ['type'],
    });
  } catch (err) {
    if (err instanceof OdooError && err.kind === 'module-missing') throw stockMissing(target);
    throw err;
  }
  if (!isRecord(fields)) {
    throw new OdooError(
      'protocol',
      `Odoo at ${target.url} answered product.product.fields_get with no fields`,
    );
  }
  if (!('qty_available' in fields) || !('free_qty' in fields)) throw stockMissing(target);
  if ('is_storable' in fields) return 'is_storable';
  if ('detailed_type' in fields) return 'detailed_type';
  return 'type';
}

const stockMissing = (target: OdooTarget): OdooError =>
  new OdooError(
    'module-missing',
    `the Stock (stock) module is not installed in "${target.db}": install Inventory in Odoo's Apps, then restart the agent`,
  );
