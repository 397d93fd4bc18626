import { createHmac, randomUUID } from 'node:crypto';
import { isRecord } from '@stockbridge/shared';
import {
  type AdapterHttpOptions,
  chunk,
  configError,
  excerpt,
  failedItem,
  type HttpAnswer,
  HttpClient,
  kindForStatus,
  optionalInt,
  requireText,
  requireUrl,
  retryAfterMs,
  runCalls,
} from '../adapter-http';
import {
  type ChannelAdapter,
  ChannelCallError,
  type ChannelConnection,
  type ListingTarget,
  type PushBatchResult,
  type PushContext,
  type PushItemResult,
  type QuantityUpdate,
} from '../channel-adapter';

const KIND = 'webhook';
const READ_MAX_SKUS = 100;
const RECENT_BODIES = 256;

/** One SKU in a delivery; several updates of one SKU in a push collapse into it (the last one wins). */
interface Entry {
  sku: string;
  quantity: number;
  updates: QuantityUpdate[];
}

interface Delivery {
  id: string; // webhook-id and Idempotency-Key
  entries: Entry[];
}

/** Standard Webhooks v1 signature: base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the decoded secret. */
export function signStandardWebhook(key: Buffer, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Decodes a `whsec_<base64>` secret (24 to 64 random bytes, as Standard Webhooks recommends). */
export function decodeWebhookSecret(secret: string): Buffer | undefined {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const key = m?.[1] !== undefined ? Buffer.from(m[1], 'base64') : undefined;
  return key && key.length >= 24 && key.length <= 64 ? key : undefined;
}

/**
 * Our own signed HTTP channel (contract: ./webhook-contract.md). Each batch is one `stock.set` delivery signed
 * over exactly the bytes sent; webhook-id and Idempotency-Key are the push attempt's idempotency key, so a
 * receiver can drop a repeated delivery. Every item carries a version that grows with each delivery, so a
 * receiver can also drop an older delivery that arrives late.
 *
 * Config: { url, batchSize? (default 100), readUrl? (default: url without a trailing ":batch"), ratePerSec?
 * (default 10) }. Credentials: { secret: 'whsec_…' }.
 */
export class WebhookAdapter implements ChannelAdapter {
  readonly kind = KIND;
  readonly defaultRate: { capacity: number; refillPerSec: number; costPerCall: number };
  private batchSize: number;
  private lastVersion = 0;
  private readonly recentBodies = new Map<string, { fingerprint: string; body: string }>(); // webhook-id -> bytes
  private readonly url: string;
  private readonly readUrl: string | undefined;
  private readonly key: Buffer;
  private readonly http: HttpClient;

  constructor(connection: ChannelConnection, options: AdapterHttpOptions = {}) {
    this.url = requireUrl(connection, 'url');
    this.batchSize = optionalInt(connection.config, KIND, 'config', 'batchSize', 1, 1000) ?? 100;
    // our contract has no limit of its own: the receiver decides; 10 calls/s is a polite default
    const rate = optionalInt(connection.config, KIND, 'config', 'ratePerSec', 1, 10_000) ?? 10;
    this.defaultRate = { capacity: rate, refillPerSec: rate, costPerCall: 1 };
    this.readUrl =
      connection.config['readUrl'] !== undefined
        ? requireUrl(connection, 'readUrl')
        : this.url.endsWith(':batch')
          ? this.url.slice(0, -':batch'.length)
          : undefined;
    const key = decodeWebhookSecret(requireText(connection.credentials, KIND, 'credentials', 'secret'));
    if (!key) throw configError(KIND, 'credentials.secret', "'whsec_' followed by base64 of 24 to 64 bytes");
    this.key = key;
    this.http = new HttpClient('Webhook', options);
  }

  get maxBatchSize(): number {
    return this.batchSize;
  }

  async pushQuantities(updates: QuantityUpdate[], ctx: PushContext): Promise<PushBatchResult> {
    const local: PushItemResult[] = [];
    const entries = new Map<string, Entry>();
    for (const u of updates) {
      if (u.target.externalId === '') {
        local.push(failedItem(u, true, 'INVALID_TARGET', 'webhook listing has no SKU (externalId)'));
        continue;
      }
      const entry = entries.get(u.target.externalId);
      if (entry) {
        entry.quantity = u.quantity;
        entry.updates.push(u);
      } else
        entries.set(u.target.externalId, { sku: u.target.externalId, quantity: u.quantity, updates: [u] });
    }
    if (entries.size === 0) return { items: local };
    const parts = chunk([...entries.values()], this.batchSize);
    // one webhook-id per delivery: the key itself when the push fits in one, suffixed otherwise
    const deliveries = parts.map((part, i) => ({
      id: parts.length === 1 ? ctx.idempotencyKey : `${ctx.idempotencyKey}.${i + 1}`,
      entries: part,
    }));
    const sent = await runCalls(
      deliveries,
      (d) => this.deliver(d, ctx),
      (d) => d.entries.flatMap((e) => e.updates),
    );
    return { ...sent, items: [...local, ...sent.items] };
  }

  private async deliver(d: Delivery, ctx: PushContext): Promise<PushBatchResult> {
    const body = this.bodyFor(d);
    const ans = await this.send('POST', this.url, d.id, body, ctx.signal);
    if (ans.status === 413 && d.entries.length > 1) {
      // the receiver takes fewer items per request than configured: halve, remember, go on
      const half = Math.ceil(d.entries.length / 2);
      this.batchSize = Math.min(this.batchSize, half);
      return runCalls(
        chunk(d.entries, half).map((part, i) => ({ id: `${d.id}.${i + 1}`, entries: part })),
        (sub) => this.deliver(sub, ctx),
        (sub) => sub.entries.flatMap((e) => e.updates),
      );
    }
    if (ans.status !== 200 && ans.status !== 207) throw this.failure(ans, 'POST');
    const results =
      isRecord(ans.json) && Array.isArray(ans.json['results'])
        ? ans.json['results'].filter(isRecord)
        : undefined;
    if (!results)
      throw new ChannelCallError(
        'server',
        `Webhook POST: HTTP ${ans.status} without a "results" list: ${excerpt(ans.text)}`,
      );
    const bySku = new Map(results.map((r) => [r['sku'], r]));
    return { items: d.entries.flatMap((e) => this.entryResults(e, bySku.get(e.sku))) };
  }

  private entryResults(e: Entry, r: Record<string, unknown> | undefined): PushItemResult[] {
    return e.updates.map((u): PushItemResult => {
      if (!r)
        return failedItem(
          u,
          false,
          'MISSING_RESULT',
          `Webhook SKU ${e.sku}: the answer has no result for it`,
        );
      if (r['status'] === 'applied')
        return {
          listingId: u.target.listingId,
          ok: true,
          quantity: typeof r['quantity'] === 'number' ? r['quantity'] : e.quantity,
        };
      const error = isRecord(r['error']) ? r['error'] : {};
      const code = typeof error['code'] === 'string' ? error['code'] : 'REJECTED';
      const message =
        typeof error['message'] === 'string' ? error['message'] : `status ${JSON.stringify(r['status'])}`;
      return failedItem(u, error['retryable'] !== true, code, `Webhook SKU ${e.sku}: ${message}`);
    });
  }

  async readQuantities(targets: ListingTarget[]): Promise<Map<string, number | null>> {
    const levels = await this.read(targets.map((t) => t.externalId));
    return new Map(targets.map((t) => [t.listingId, levels.get(t.externalId) ?? null]));
  }

  async lookupSkus(skus: string[]): Promise<Map<string, Omit<ListingTarget, 'listingId' | 'sku'>>> {
    const levels = await this.read(skus);
    return new Map([...levels.keys()].map((sku) => [sku, { externalId: sku, extra: {} }]));
  }

  /** Reachability and the secret: a signed read of no SKU, or an empty delivery when there is no read-back. */
  async testConnection(): Promise<void> {
    const id = `test-${randomUUID()}`;
    const ans = this.readUrl
      ? await this.send('GET', this.readUrl, id, '')
      : await this.send(
          'POST',
          this.url,
          id,
          JSON.stringify({ type: 'stock.set', timestamp: new Date().toISOString(), data: { items: [] } }),
        );
    if (ans.status !== 200) throw this.failure(ans, this.readUrl ? 'GET' : 'POST');
  }

  private async read(skus: string[]): Promise<Map<string, number>> {
    if (!this.readUrl)
      throw new ChannelCallError('validation', 'webhook channel has no read-back URL: set config.readUrl');
    const out = new Map<string, number>();
    for (const part of chunk(
      [...new Set(skus)].filter((s) => s !== ''),
      READ_MAX_SKUS,
    )) {
      const url = new URL(this.readUrl);
      for (const sku of part) url.searchParams.append('sku', sku);
      const ans = await this.send('GET', url.href, randomUUID(), '');
      if (ans.status !== 200) throw this.failure(ans, 'GET');
      const items =
        isRecord(ans.json) && Array.isArray(ans.json['items']) ? ans.json['items'].filter(isRecord) : [];
      for (const i of items)
        if (typeof i['sku'] === 'string' && typeof i['quantity'] === 'number' && part.includes(i['sku']))
          out.set(i['sku'], i['quantity']);
    }
    return out;
  }

  // --- HTTP ------------------------------------------------------------------------------------------------

  /** Signs exactly `body` (empty for a GET) and sends it; the id doubles as Idempotency-Key on writes. */
  private send(
    method: 'GET' | 'POST',
    url: string,
    id: string,
    body: string,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signStandardWebhook(this.key, id, timestamp, body)}`,
      accept: 'application/json',
      'user-agent': 'StockBridge',
    };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = id;
    }
    return this.http.send(
      { method, url, headers, ...(method === 'POST' ? { body } : {}), ...(signal ? { signal } : {}) },
      `${method} ${new URL(url).pathname}`,
    );
  }

  /**
   * The exact bytes of a delivery. A repeat of the same webhook-id with the same items re-sends the same bytes
   * (same timestamp and version), so the receiver's Idempotency-Key replay recognises it instead of refusing a
   * reused key with a different body.
   */
  private bodyFor(d: Delivery): string {
    const fingerprint = JSON.stringify(d.entries.map((e) => [e.sku, e.quantity]));
    const cached = this.recentBodies.get(d.id);
    if (cached?.fingerprint === fingerprint) return cached.body;
    const version = this.nextVersion();
    const body = JSON.stringify({
      type: 'stock.set',
      timestamp: new Date().toISOString(),
      data: { items: d.entries.map((e) => ({ sku: e.sku, quantity: e.quantity, version })) },
    });
    this.recentBodies.set(d.id, { fingerprint, body });
    if (this.recentBodies.size > RECENT_BODIES) {
      const oldest = this.recentBodies.keys().next();
      if (!oldest.done) this.recentBodies.delete(oldest.value);
    }
    return body;
  }

  /** Strictly increasing per adapter (epoch ms, bumped when two deliveries share a millisecond). */
  private nextVersion(): number {
    this.lastVersion = Math.max(Date.now(), this.lastVersion + 1);
    return this.lastVersion;
  }

  private failure(ans: HttpAnswer, method: string): ChannelCallError {
    const error = isRecord(ans.json) && isRecord(ans.json['error']) ? ans.json['error'] : undefined;
    const detail = error
      ? `${String(error['code'])}: ${String(error['message'])}`
      : excerpt(ans.text) || '(empty body)';
    const message = `Webhook ${method}: HTTP ${ans.status} ${detail}`;
    const wait = retryAfterMs(ans.headers);
    // 409: the receiver is still processing the same Idempotency-Key; trying again later is right
    const kind = ans.status === 409 ? 'server' : kindForStatus(ans.status);
    return new ChannelCallError(
      kind,
      message,
      wait !== undefined ? { retryAfterMs: wait } : undefined,
      ans.status,
    );
  }
}
