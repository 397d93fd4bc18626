import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type CallRecord,
  type FaultSpec,
  isNonNegativeInteger,
  isRecord,
  QuantityHistory,
  type SimReply,
  type SimRequest,
  type SimRoute,
  startSimServer,
} from '../sim-kit';

/**
 * A receiver of our own custom-channel contract (fact sheet §5; written down in
 * apps/relay/src/channels/adapters/webhook/webhook-contract.md): Standard Webhooks signatures, Idempotency-Key
 * replay, `stock.set` batches answered 200 or 207 with per-item results, and a signed GET read-back endpoint.
 */

export interface WebhookSimulatorOptions {
  port?: number;
  secret?: string; // whsec_<base64>; generated when absent
  path?: string; // default /stock-levels:batch
  readPath?: string; // default /stock-levels
  toleranceSec?: number; // default 300
  maxItems?: number; // default 1000
}

export interface WebhookListing {
  externalId: string; // the SKU
  extra: Record<string, never>;
}

/** One accepted delivery, as the receiver logged it. */
export interface WebhookDelivery {
  webhookId: string;
  idempotencyKey: string | undefined;
  body: string;
  replayed: boolean;
}

export interface WebhookSimulator {
  url: string; // base URL
  endpoint: string; // POST target (url + path)
  readUrl: string; // GET read-back (url + readPath)
  credentials: { secret: string };
  addListing(sku: string, quantity?: number): WebhookListing;
  quantityOf(sku: string): number;
  versionOf(sku: string): number | undefined;
  setQuantity(sku: string, quantity: number): void;
  history(sku: string): number[];
  deliveries(): WebhookDelivery[];
  calls(): CallRecord[];
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

interface Level {
  quantity: number;
  version?: number;
}

const errorReply = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): SimReply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

/** Standard Webhooks: base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` with the decoded whsec_ secret. */
export function signWebhook(secret: string, id: string, timestamp: string, body: Buffer | string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

export async function startWebhookSimulator(
  options: WebhookSimulatorOptions = {},
): Promise<WebhookSimulator> {
  const secret = options.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
  const path = options.path ?? '/stock-levels:batch';
  const readPath = options.readPath ?? '/stock-levels';
  const toleranceSec = options.toleranceSec ?? 300;
  const maxItems = options.maxItems ?? 1000;
  const levels = new Map<string, Level>();
  const history = new QuantityHistory();
  const idempotent = new Map<string, { bodyHash: string; reply: SimReply }>();
  const delivered: WebhookDelivery[] = [];

  /** Returns the 401 to send, or undefined when the request is signed correctly and on time. */
  const verify = (req: SimRequest): SimReply | undefined => {
    const id = req.header('webhook-id');
    const ts = req.header('webhook-timestamp');
    const sigs = req.header('webhook-signature');
    if (!id || !ts || !sigs)
      return errorReply(
        401,
        'MISSING_SIGNATURE',
        'webhook-id, webhook-timestamp and webhook-signature are required.',
      );
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > toleranceSec)
      return errorReply(
        401,
        'TIMESTAMP_OUT_OF_TOLERANCE',
        `webhook-timestamp ${ts} is more than ${toleranceSec} s from now.`,
      );
    const expected = Buffer.from(signWebhook(secret, id, ts, req.body), 'base64');
    const matches = sigs.split(' ').some((s) => {
      const [version, value] = s.split(',', 2);
      if (version !== 'v1' || !value) return false;
      const given = Buffer.from(value, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    return matches
      ? undefined
      : errorReply(401, 'INVALID_SIGNATURE', 'No webhook-signature matches the payload.');
  };

  const receive = (req: SimRequest): SimReply => {
    const denied = verify(req);
    if (denied) return denied;
    const key = req.header('idempotency-key');
    const bodyHash = createHash('sha256').update(req.body).digest('hex');
    const seen = key !== undefined ? idempotent.get(key) : undefined;
    if (seen) {
      if (seen.bodyHash !== bodyHash)
        return errorReply(
          422,
          'IDEMPOTENCY_KEY_REUSED',
          `Idempotency-Key ${key} was used with a different body.`,
        );
      delivered.push({
        webhookId: req.header('webhook-id') ?? '',
        idempotencyKey: key,
        body: req.body.toString(),
        replayed: true,
      });
      return { ...seen.reply, headers: { ...seen.reply.headers, 'idempotent-replayed': 'true' } };
    }
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return errorReply(400, 'INVALID_PAYLOAD', 'Body is not valid JSON.');
    }
    if (!isRecord(body) || body.type !== 'stock.set')
      return errorReply(400, 'INVALID_PAYLOAD', "type: expected 'stock.set'.");
    const data = body.data;
    const items = isRecord(data) ? data.items : undefined;
    if (!Array.isArray(items)) return errorReply(400, 'INVALID_PAYLOAD', 'data.items: expected an array.');
    if (items.length > maxItems)
      return errorReply(413, 'BATCH_TOO_LARGE', `data.items: at most ${maxItems} items per request.`);
    for (const [i, item] of items.entries())
      if (!isRecord(item) || typeof item.sku !== 'string' || item.sku === '')
        return errorReply(400, 'INVALID_PAYLOAD', `data.items[${i}].sku: expected a non-empty string.`);

    const results = (items as Array<Record<string, unknown>>).map((item) => {
      const sku = item.sku as string;
      const reject = (code: string, message: string) => ({
        sku,
        status: 'rejected',
        error: { code, message },
      });
      const level = levels.get(sku);
      if (!level) return reject('UNKNOWN_SKU', `SKU ${sku} is not known to this store.`);
      if (!isNonNegativeInteger(item.quantity))
        return reject(
          'INVALID_QUANTITY',
          `quantity ${JSON.stringify(item.quantity)}: expected an integer of 0 or more.`,
        );
      const version = item.version;
      if (version !== undefined && !Number.isSafeInteger(version))
        return reject('INVALID_VERSION', 'version: expected an integer.');
      if (typeof version === 'number' && level.version !== undefined && version <= level.version)
        return reject('STALE_VERSION', `version ${version} is not newer than ${level.version}.`);
      level.quantity = item.quantity;
      if (typeof version === 'number') level.version = version;
      history.push(sku, item.quantity);
      return { sku, status: 'applied', quantity: item.quantity };
    });
    const reply: SimReply = {
      status: results.every((r) => r.status === 'applied') ? 200 : 207,
      body: { results },
    };
    if (key !== undefined) idempotent.set(key, { bodyHash, reply });
    delivered.push({
      webhookId: req.header('webhook-id') ?? '',
      idempotencyKey: key,
      body: req.body.toString(),
      replayed: false,
    });
    return reply;
  };

  const read = (req: SimRequest): SimReply => {
    const denied = verify(req);
    if (denied) return denied;
    const skus = req.url.searchParams
      .getAll('sku')
      .flatMap((s) => s.split(','))
      .filter(Boolean);
    if (skus.length > 100) return errorReply(400, 'TOO_MANY_SKUS', 'sku: at most 100 per request.');
    const items = skus.flatMap((sku) => {
      const level = levels.get(sku);
      return level
        ? [
            {
              sku,
              quantity: level.quantity,
              ...(level.version !== undefined ? { version: level.version } : {}),
            },
          ]
        : [];
    });
    return { status: 200, body: { items } };
  };

  const route = (method: string, url: URL): SimRoute | undefined => {
    if (url.pathname === path && method === 'POST')
      return {
        operation: 'stock.set',
        items: (r) => {
          const b = r.json();
          return isRecord(b) && isRecord(b.data) && Array.isArray(b.data.items) ? b.data.items.length : 0;
        },
        handle: receive,
      };
    if (url.pathname === readPath && method === 'GET') return { operation: 'stock.get', handle: read };
    return undefined;
  };

  const server = await startSimServer({
    port: options.port,
    route,
    notFound: (req) => errorReply(404, 'NOT_FOUND', `No route for ${req.method} ${req.url.pathname}.`),
    faultReply: (status) =>
      status === 429
        ? errorReply(429, 'RATE_LIMITED', 'Too many requests; retry after the Retry-After delay.')
        : errorReply(status, 'UNAVAILABLE', 'The store is temporarily unavailable.'),
  });

  const mustLevel = (sku: string): Level => {
    const level = levels.get(sku);
    if (!level) throw new Error(`webhook simulator: unknown SKU ${sku}`);
    return level;
  };

  return {
    url: server.url,
    endpoint: `${server.url}${path}`,
    readUrl: `${server.url}${readPath}`,
    credentials: { secret },
    addListing(sku, quantity = 0) {
      if (levels.has(sku)) throw new Error(`webhook simulator: SKU ${sku} already exists`);
      levels.set(sku, { quantity });
      history.push(sku, quantity);
      return { externalId: sku, extra: {} };
    },
    quantityOf: (sku) => mustLevel(sku).quantity,
    versionOf: (sku) => mustLevel(sku).version,
    setQuantity(sku, quantity) {
      mustLevel(sku).quantity = quantity;
      history.push(sku, quantity);
    },
    history: (sku) => history.of(sku),
    deliveries: () => delivered.map((d) => ({ ...d })),
    calls: server.calls,
    injectFaults: server.injectFaults,
    clearFaults: server.clearFaults,
    setLatency: server.setLatency,
    close: server.close,
  };
}
