import { isRecord } from '@stockbridge/shared';
import { ChannelCallError, type RateSignal } from '../channel-adapter';
import { excerpt, kindForStatus, retryAfterMs, type HttpAnswer, type HttpClient } from '../adapter-http';

/**
 * One Admin GraphQL exchange and everything Shopify can answer instead of data: HTTP errors (401, 404, 429 with
 * Retry-After, HTML 5xx pages), GraphQL `errors` (THROTTLED on HTTP 200, ACCESS_DENIED, MAX_COST_EXCEEDED) and the
 * cost extension that drives our rate limiter.
 */
export interface GraphqlAnswer {
  data: Record<string, unknown>;
  errors: GraphqlErrorEntry[]; // field errors that came with data (the caller decides whether they matter)
  rate?: RateSignal;
  servedVersion?: string; // X-Shopify-API-Version: differs from the URL's when Shopify fell forward
}

export interface GraphqlErrorEntry {
  message: string;
  code?: string;
  path?: unknown[];
}

/** What Shopify's cost extension says, as our token-bucket terms. */
export function rateFromCost(extensions: unknown, throttled: boolean): RateSignal | undefined {
  const cost = isRecord(extensions) ? extensions['cost'] : undefined;
  if (!isRecord(cost)) return undefined;
  const status = isRecord(cost['throttleStatus']) ? cost['throttleStatus'] : {};
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  const capacity = num(status['maximumAvailable']);
  const available = num(status['currentlyAvailable']);
  const refillPerSec = num(status['restoreRate']);
  const requested = num(cost['requestedQueryCost']);
  const costPerCall = throttled ? requested : (num(cost['actualQueryCost']) ?? requested);
  const rate: RateSignal = {};
  if (capacity !== undefined) rate.capacity = capacity;
  if (available !== undefined) rate.available = available;
  if (refillPerSec !== undefined) rate.refillPerSec = refillPerSec;
  if (costPerCall !== undefined) rate.costPerCall = costPerCall;
  if (
    throttled &&
    requested !== undefined &&
    available !== undefined &&
    refillPerSec !== undefined &&
    refillPerSec > 0
  )
    rate.retryAfterMs = Math.max(0, Math.ceil(((requested - available) / refillPerSec) * 1000)); // until the bucket holds the cost
  return rate;
}

function parseErrors(raw: unknown): GraphqlErrorEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((e): GraphqlErrorEntry => {
    const r = isRecord(e) ? e : {};
    const ext = isRecord(r['extensions']) ? r['extensions'] : {};
    return {
      message: typeof r['message'] === 'string' ? r['message'] : JSON.stringify(e),
      ...(typeof ext['code'] === 'string' ? { code: ext['code'] } : {}),
      ...(Array.isArray(r['path']) ? { path: r['path'] as unknown[] } : {}),
    };
  });
}

/** Shopify's own words for a failed HTTP exchange: `errors` may be a string, an object or a list. */
function httpErrorText(answer: HttpAnswer): string {
  const body = answer.json;
  if (isRecord(body)) {
    const errors = body['errors'];
    if (typeof errors === 'string') return errors;
    if (Array.isArray(errors))
      return parseErrors(errors)
        .map((e) => e.message)
        .join('; ');
    if (isRecord(errors))
      return Object.entries(errors)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('; ');
  }
  return excerpt(answer.text) || '(empty body)';
}

/** Turns a non-200 answer into the error the push pipeline acts on. */
export function httpFailure(answer: HttpAnswer, operation: string, url: string): ChannelCallError {
  const text = httpErrorText(answer);
  const kind = kindForStatus(answer.status);
  const wait = retryAfterMs(answer.headers);
  const prefix = `Shopify ${operation}: HTTP ${answer.status}`;
  if (kind === 'throttled')
    // Shopify's REST-style 429 says "seconds" in Retry-After; without one, wait a second like Shopify's own client
    return new ChannelCallError(kind, `${prefix}: ${text}`, { retryAfterMs: wait ?? 1000 }, answer.status);
  if (kind === 'not-found')
    return new ChannelCallError(
      kind,
      `${prefix}: ${text} (check the shop URL and API version: ${url})`,
      undefined,
      answer.status,
    );
  return new ChannelCallError(
    kind,
    `${prefix}: ${text}`,
    wait !== undefined ? { retryAfterMs: wait } : undefined,
    answer.status,
  );
}

/** Top-level GraphQL errors that fail a whole call; the kind decides retry versus dead letters. */
export function graphqlFailure(
  errors: GraphqlErrorEntry[],
  operation: string,
  rate: RateSignal | undefined,
): ChannelCallError {
  const codes = new Set(errors.map((e) => e.code));
  const text = errors.map((e) => (e.code ? `${e.code}: ${e.message}` : e.message)).join('; ');
  const message = `Shopify ${operation}: ${text}`;
  if (codes.has('THROTTLED')) return new ChannelCallError('throttled', message, rate, 200);
  if (codes.has('ACCESS_DENIED')) return new ChannelCallError('auth', message, rate, 200);
  if (codes.has('INTERNAL_SERVER_ERROR') || codes.has('SERVICE_UNAVAILABLE'))
    return new ChannelCallError('server', message, rate, 200);
  return new ChannelCallError('validation', message, rate, 200); // MAX_COST_EXCEEDED, bad input, schema mismatch
}

export async function postGraphql(
  http: HttpClient,
  endpoint: string,
  accessToken: string,
  operation: string,
  query: string,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GraphqlAnswer> {
  const answer = await http.send(
    {
      method: 'POST',
      url: endpoint,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-Shopify-Access-Token': accessToken,
      },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    },
    operation,
  );
  if (answer.status !== 200) throw httpFailure(answer, operation, endpoint);
  const body = answer.json;
  if (!isRecord(body))
    throw new ChannelCallError(
      'server',
      `Shopify ${operation}: unreadable answer: ${excerpt(answer.text) || '(empty body)'}`,
      undefined,
      200,
    );
  const errors = parseErrors(body['errors']);
  const throttled = errors.some((e) => e.code === 'THROTTLED');
  const rate = rateFromCost(body['extensions'], throttled);
  const data = body['data'];
  if (throttled || !isRecord(data)) {
    if (errors.length === 0)
      throw new ChannelCallError(
        'server',
        `Shopify ${operation}: answer without data or errors: ${excerpt(answer.text)}`,
        rate,
        200,
      );
    throw graphqlFailure(errors, operation, rate);
  }
  const servedVersion = answer.headers.get('x-shopify-api-version') ?? undefined;
  return { data, errors, ...(rate ? { rate } : {}), ...(servedVersion ? { servedVersion } : {}) };
}
