import { backoffDelay, type BackoffPolicy } from '@stockbridge/shared';
import { classifyTransportError, OdooError, type OdooCallSite, type OdooTarget } from './odoo-error';

/** One RPC call on one Odoo model, whatever the wire format underneath. */
export interface OdooTransport {
  readonly kind: 'jsonrpc' | 'json2';
  call(model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown>;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Total tries of one call, the first included. */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxMs: 4_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface TransportOptions {
  target: OdooTarget;
  apiKey: string;
  timeoutMs: number;
  retry: RetryPolicy;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

export const USER_AGENT = 'stockbridge-agent';

/** One HTTP exchange with a hard deadline covering connect, headers and body. */
export async function httpExchange(
  options: TransportOptions,
  site: OdooCallSite,
  path: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  try {
    const res = await fetch(new URL(relative(path), withSlash(options.target.url)), {
      method: init.method,
      headers: { 'User-Agent': USER_AGENT, ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'follow',
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
  } catch (err) {
    throw classifyTransportError(options.target, site, err, options.timeoutMs);
  }
}

/** Repeats `fn` while it fails with a retryable OdooError, with full-jitter backoff between tries. */
export async function withRetries<T>(
  policy: RetryPolicy,
  fn: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = delay,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof OdooError) || !err.retryable || attempt + 1 >= policy.attempts) throw err;
      await sleep(backoffDelay(attempt, policy));
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Parses a JSON body; undefined when it is not JSON (proxy pages, HTML error pages). */
export function parseJsonBody(answer: HttpAnswer): { value: unknown } | undefined {
  if (answer.text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(answer.text) as unknown };
  } catch {
    return undefined;
  }
}

/** `new URL('/jsonrpc', base)` would drop a path prefix such as `https://host/odoo`; keep it. */
function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Paths resolve relative to ODOO_URL so a reverse-proxy prefix in it is kept. */
function relative(path: string): string {
  return path.replace(/^\/+/, '');
}
