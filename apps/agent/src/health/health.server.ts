import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger';
import type { AgentMetrics } from './agent-metrics';

/** Each dependency: null when healthy, else one sentence saying what is wrong. */
export interface Readiness {
  odoo: string | null;
  rabbitmq: string | null;
  uplink: string | null;
}

export type HintHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HealthServerOptions {
  port: number;
  /** Bind address; the hint endpoint is meant for the LAN, so all interfaces by default. */
  host?: string;
  logger: Logger;
  metrics: AgentMetrics;
  readiness: () => Readiness;
  /** Brings gauges up to date before a scrape. */
  refreshMetrics?: () => Promise<void>;
  /** POST /hints; null when AGENT_HINT_SECRET is not set (then /hints is 404). */
  hintHandler: HintHandler | null;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** /healthz (process alive), /readyz (Odoo, RabbitMQ and the uplink all up), /metrics, POST /hints. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const log = options.logger.child({ component: 'http' });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (path === '/hints') {
      if (!options.hintHandler)
        return json(res, 404, { error: 'hints are disabled: set AGENT_HINT_SECRET to enable them' });
      if (method !== 'POST') return json(res, 405, { error: 'use POST' });
      return options.hintHandler(req, res);
    }
    if (method !== 'GET' && method !== 'HEAD') return json(res, 405, { error: 'use GET' });
    switch (path) {
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/readyz': {
        const r = options.readiness();
        const down = Object.entries(r).filter(([, problem]) => problem !== null);
        if (down.length === 0) return json(res, 200, { status: 'ready' });
        return json(res, 503, { status: 'not ready', down: Object.fromEntries(down) });
      }
      case '/metrics': {
        await options
          .refreshMetrics?.()
          .catch((err: unknown) => log.debug({ err }, 'metrics refresh failed'));
        const body = await options.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        res.end(body);
        return;
      }
      default:
        return json(res, 404, { error: `no route ${path}` });
    }
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err }, `${req.method} ${(req.url ?? '/').split('?')[0]} failed`); // the query may hold the hint secret
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
