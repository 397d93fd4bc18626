import { isRecord, parseRetryAfter } from '@stockbridge/shared';
import {
  ChannelCallError,
  type ChannelConnection,
  type ChannelErrorKind,
  type PushBatchResult,
  type PushItemResult,
  type QuantityUpdate,
  type RateSignal,
} from './channel-adapter';

/**
 * HTTP plumbing the REST adapters share: one call with a timeout, transport failures turned into
 * ChannelCallError kinds, and config parsing that names the bad field. Wire formats stay in each adapter.
 */

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Optional knobs every HTTP adapter takes besides its ChannelConnection. */
export interface AdapterHttpOptions {
  fetch?: FetchLike; // injected in tests or for a proxy; global fetch otherwise
  timeoutMs?: number; // per call, default 30 s
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal; // the caller's (push worker shutdown)
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown; // undefined when the body is not JSON
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export class HttpClient {
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;

  constructor(
    private readonly label: string, // e.g. 'WooCommerce': starts every error message
    options: AdapterHttpOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One HTTP exchange; never throws for an HTTP status, only for transport trouble (network/timeout). */
  async send(req: HttpRequest, operation: string): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    try {
      const res = await this.fetchImpl(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
      });
      const text = await res.text(); // the timeout covers the body too
      return { status: res.status, headers: res.headers, text, json: parseJson(text) };
    } catch (err) {
      if (timeout.aborted)
        throw new ChannelCallError(
          'timeout',
          `${this.label} ${operation}: no answer within ${this.timeoutMs} ms`,
        );
      if (req.signal?.aborted)
        throw new ChannelCallError('network', `${this.label} ${operation}: aborted by the caller`);
      throw new ChannelCallError('network', `${this.label} ${operation}: ${describeNetworkError(err)}`);
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch hides the socket error in `cause` (ECONNREFUSED, ENOTFOUND...); surface it. */
function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (isRecord(cause)) {
    const code = typeof cause.code === 'string' ? cause.code : undefined;
    const message = typeof cause.message === 'string' ? cause.message : undefined;
    if (code || message) return `${err.message} (${[code, message].filter(Boolean).join(': ')})`;
  }
  return err.message;
}

/** The usual meaning of an HTTP status for a whole call; adapters refine it with the API's own signals. */
export function kindForStatus(status: number): ChannelErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 429) return 'throttled';
  if (status === 408 || status >= 500) return 'server';
  return 'validation';
}

/** Retry-After in ms, or undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers): number | undefined {
  return parseRetryAfter(headers.get('retry-after')) ?? undefined;
}

/** A short, log-safe excerpt of a non-JSON body (an HTML error page from a proxy, say). */
export function excerpt(text: string, max = 200): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// --- config parsing ----------------------------------------------------------------------------------------

export function configError(kind: string, field: string, expected: string): ChannelCallError {
  return new ChannelCallError('validation', `${kind} channel ${field}: expected ${expected}`);
}

export function requireUrl(conn: ChannelConnection, key: string, fallback?: string): string {
  const raw = conn.config[key] ?? fallback;
  if (typeof raw === 'string') {
    try {
      const u = new URL(raw);
      if (u.protocol === 'http:' || u.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
  }
  throw configError(conn.kind, `config.${key}`, 'an http(s) URL');
}

export function requireText(
  source: Record<string, unknown>,
  kind: string,
  path: string,
  key: string,
): string {
  const v = source[key];
  if (typeof v === 'string' && v.trim() !== '') return v;
  throw configError(kind, `${path}.${key}`, 'a non-empty string');
}

export function optionalText(
  source: Record<string, unknown>,
  kind: string,
  path: string,
  key: string,
): string | undefined {
  return source[key] === undefined ? undefined : requireText(source, kind, path, key);
}

export function optionalInt(
  source: Record<string, unknown>,
  kind: string,
  path: string,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const v = source[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  throw configError(kind, `${path}.${key}`, `an integer from ${min} to ${max}`);
}

// --- pushing in several calls ------------------------------------------------------------------------------

/**
 * Runs the calls one push needs (Woo variations: one per parent; eBay fallback: one per SKU) in order. A failure of
 * the first call fails the push as a whole (the caller retries it all); once something succeeded, the failed call
 * and the ones not made yet become failed items (retryable when the error is), so no success is thrown away.
 */
export async function runCalls<G>(
  groups: readonly G[],
  call: (group: G) => Promise<PushBatchResult>,
  updatesOf: (group: G) => QuantityUpdate[],
): Promise<PushBatchResult> {
  const items: PushItemResult[] = [];
  let rate: RateSignal | undefined;
  for (const [i, group] of groups.entries()) {
    try {
      const result = await call(group);
      items.push(...result.items);
      rate = result.rate ?? rate;
    } catch (err) {
      if (i === 0 || !(err instanceof ChannelCallError)) throw err;
      for (const u of updatesOf(group))
        items.push(failedItem(u, !err.retryable, `call-${err.kind}`, err.message));
      for (const u of groups.slice(i + 1).flatMap(updatesOf))
        items.push(
          failedItem(u, false, 'not-sent', `not sent: an earlier call of this push failed (${err.message})`),
        );
      return { items, rate: err.rate ?? rate };
    }
  }
  return rate ? { items, rate } : { items };
}

export function failedItem(
  u: QuantityUpdate,
  permanent: boolean,
  code: string,
  message: string,
): PushItemResult {
  return { listingId: u.target.listingId, ok: false, permanent, code, message };
}

export function okItem(u: QuantityUpdate): PushItemResult {
  return { listingId: u.target.listingId, ok: true, quantity: u.quantity };
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
