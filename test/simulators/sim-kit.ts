import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Pieces every channel simulator needs and that do not depend on the API it imitates: an HTTP server on
 * 127.0.0.1, call recording, injected faults and latency. Each simulator supplies its own routes and its
 * API's error bodies; nothing here knows a wire format.
 */

/** A fault applied to requests before the API itself sees them (same shape as the Shopify simulator's). */
export interface FaultSpec {
  status?: 429 | 500 | 502 | 503;
  retryAfterSec?: number; // sent as Retry-After with the faulted status
  count?: number; // how many requests it hits; default every request until clearFaults()
  delayMs?: number; // wait before answering (alone: a slow but correct answer)
  /** Never answer; the connection stays open until the client gives up. 'after-apply' does the work first (a lost answer). */
  timeout?: boolean | 'before-apply' | 'after-apply';
}

/** One request as the simulator saw it; status 0 means no answer was sent (timeout fault, client gone). */
export interface CallRecord {
  operation: string;
  startedAt: number; // epoch ms
  endedAt: number;
  status: number;
  items: number; // entries the request carried (batch size), 0 for reads of one resource
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  header(name: string): string | undefined;
  /** The body parsed as JSON; throws SyntaxError when it is not JSON. */
  json(): unknown;
}

export interface SimReply {
  status: number;
  body?: unknown; // serialised as JSON
  text?: string; // sent as is when there is no body
  headers?: Record<string, string>;
}

export interface SimRoute {
  operation: string;
  items?: (req: SimRequest) => number;
  handle(req: SimRequest): SimReply | Promise<SimReply>;
}

export interface SimServerOptions {
  port?: number;
  /** Resolves a request to the operation it calls; undefined answers `notFound`. */
  route(method: string, url: URL): SimRoute | undefined;
  notFound(req: SimRequest): SimReply;
  /** The API's own body for an injected status (each API words a 429 or a 503 differently). */
  faultReply(status: number, retryAfterSec: number | undefined): SimReply;
  /** Headers every answer carries (e.g. Amazon's x-amzn-RequestId). */
  decorate?(reply: SimReply): SimReply;
}

export interface SimServer {
  url: string;
  calls(): CallRecord[];
  injectFaults(spec: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const isNonNegativeInteger = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toSimRequest(req: IncomingMessage, body: Buffer): SimRequest {
  let parsed: { value: unknown } | undefined;
  return {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', 'http://127.0.0.1'),
    headers: req.headers,
    body,
    header(name) {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    json() {
      parsed ??= { value: JSON.parse(body.toString('utf8')) as unknown };
      return parsed.value;
    },
  };
}

function send(res: ServerResponse, reply: SimReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = reply.text ?? '';
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const log: CallRecord[] = [];
  let fault: (FaultSpec & { remaining: number }) | undefined;
  let latencyMs = 0;

  const takeFault = (): FaultSpec | undefined => {
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining -= 1;
    const taken = fault;
    if (fault.remaining <= 0) fault = undefined;
    return taken;
  };

  const decorate = (reply: SimReply): SimReply => (options.decorate ? options.decorate(reply) : reply);

  const server = createServer((req, res) => {
    const startedAt = Date.now();
    const record = { operation: 'unknown', startedAt, endedAt: startedAt, status: 0, items: 0 };
    log.push(record);
    res.on('close', () => {
      record.endedAt = Date.now();
      record.status = res.headersSent ? res.statusCode : 0;
    });
    void (async () => {
      const sim = toSimRequest(req, await readBody(req));
      const route = options.route(sim.method, sim.url);
      if (route) {
        record.operation = route.operation;
        try {
          record.items = route.items?.(sim) ?? 0;
        } catch {
          record.items = 0; // unreadable body: the route answers it with the API's own 400
        }
      }
      if (latencyMs > 0) await sleep(latencyMs);
      const f = takeFault();
      if (f?.delayMs) await sleep(f.delayMs);
      if (f?.timeout === true || f?.timeout === 'before-apply') return; // hold the connection: the client must time out
      if (f?.status) {
        const reply = options.faultReply(f.status, f.retryAfterSec);
        const headers = { ...reply.headers };
        if (f.retryAfterSec !== undefined) headers['retry-after'] = String(f.retryAfterSec);
        return send(res, decorate({ ...reply, headers }));
      }
      const reply = route ? await route.handle(sim) : options.notFound(sim);
      if (f?.timeout === 'after-apply') return; // the work is done but the answer is lost
      if (!res.destroyed) send(res, decorate(reply));
    })().catch((err: unknown) => {
      // a simulator bug must show up as a clear 500, never as a hung test
      if (!res.headersSent && !res.destroyed)
        send(res, {
          status: 500,
          text: `simulator error: ${err instanceof Error ? err.stack : String(err)}`,
        });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => log.map((c) => ({ ...c })),
    injectFaults(spec) {
      fault = { ...spec, remaining: spec.count ?? Number.POSITIVE_INFINITY };
    },
    clearFaults() {
      fault = undefined;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // keep-alive sockets and held (timeout) requests would block close
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Keeps every value a listing showed, oldest first, so tests can assert what customers saw. */
export class QuantityHistory {
  private readonly byId = new Map<string, number[]>();
  push(id: string, quantity: number): void {
    const list = this.byId.get(id) ?? [];
    list.push(quantity);
    this.byId.set(id, list);
  }
  of(id: string): number[] {
    return [...(this.byId.get(id) ?? [])];
  }
}

/** Runs a simulator until SIGINT/SIGTERM; used by each simulator's main.ts. */
export function runUntilSignal(name: string, close: () => Promise<void>): void {
  const stop = (): void => {
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`${name} simulator running; Ctrl+C to stop\n`);
}
