import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Database, SUPERUSER_ID, type Env } from './env';
import { jsonReply, htmlNotFound, type HttpReply } from './http-reply';
import { handleJson2 } from './json2';
import { handleJsonRpc } from './jsonrpc';
import { buildRegistry, DEFAULT_MODULES, installedModules } from './models/registry';
import { BOT_API_KEY, BOT_LOGIN, seedDatabase } from './seed';
import { versionInfo } from './service';
import { setInventory } from './stock-ops';
import type { OdooVersion, Value } from './types';

export interface OdooSimulatorOptions {
  version?: 16 | 17 | 18 | 19;
  db?: string;
  port?: number;
  host?: string;
  responseDelayMs?: number;
  seed?: 'demo' | 'empty';
  /** Installed modules; without 'stock' the stock.* models are unknown. Default ['stock','sale_stock','mrp']. */
  modules?: string[];
}

export interface OdooSimulator {
  url: string;
  db: string;
  login: string;
  apiKey: string;
  version: 16 | 17 | 18 | 19;
  setResponseDelay(ms: number): void;
  setDown(down: boolean): void;
  beginLongTransaction(): LongTransaction;
  /**
   * Writes stored columns the way a direct SQL UPDATE does (a script, a module bypassing the ORM): no write_date,
   * no stock move, no side effect, so a poll on write_date cannot see it. Only reconciliation finds it.
   */
  sqlUpdate(model: string, id: number, values: Record<string, Value>): void;
  calls(): ReadonlyArray<{ model: string; method: string }>;
  close(): Promise<void>;
}

/** Writes made through it get write_date = its start time and stay invisible until commit(). */
export interface LongTransaction {
  adjustInventory(productId: number, locationId: number, quantity: number): void;
  commit(): void;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function startOdooSimulator(options: OdooSimulatorOptions = {}): Promise<OdooSimulator> {
  const version: OdooVersion = options.version ?? 17;
  const modules = installedModules(options.modules ?? [...DEFAULT_MODULES]);
  const db = new Database(options.db ?? 'odoo', version, modules, buildRegistry(version, modules));
  seedDatabase(db, options.seed ?? 'demo');
  let delayMs = options.responseDelayMs ?? 0;
  let down = false;

  const route = (req: IncomingMessage, body: string): HttpReply => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/jsonrpc' && req.method === 'POST')
      return handleJsonRpc(db, req.headers['content-type'], body);
    if (path === '/web/version' || path === '/json/version') {
      const info = versionInfo(version);
      return jsonReply(200, { version_info: info['server_version_info'], version: info['server_version'] });
    }
    if (path === '/json/2' || path.startsWith('/json/2/'))
      return handleJson2(db, {
        method: req.method ?? 'GET',
        path,
        authorization: req.headers.authorization,
        database: headerValue(req.headers['x-odoo-database']),
        body,
      });
    return htmlNotFound();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (down) return void req.socket.destroy();
    const body = await readBody(req);
    if (body === null) return void res.writeHead(413).end('Request Entity Too Large');
    const reply = route(req, body);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    // the work is committed; going down now drops the answer, as a killed worker would
    if (down) return void req.socket.destroy();
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(
        `odoo simulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      if (!res.headersSent) res.writeHead(500).end('Internal Server Error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    db: db.name,
    login: BOT_LOGIN,
    apiKey: BOT_API_KEY,
    version,
    setResponseDelay: (ms) => {
      delayMs = ms;
    },
    setDown: (value) => {
      down = value;
      if (value) server.closeAllConnections();
    },
    beginLongTransaction: () => beginLongTransaction(db),
    sqlUpdate: (model, id, values) => {
      if (!db.store.get(model, id)) throw new Error(`sqlUpdate: no ${model} ${id}`);
      db.store.transaction(() => db.store.update(model, id, values));
    },
    calls: () => [...db.calls],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A transaction that started now and commits later: its writes are applied only at commit() (so nobody sees
 * them before), all stamped with the start time, like a long PostgreSQL transaction's now().
 */
function beginLongTransaction(db: Database): LongTransaction {
  const startedAt = Date.now();
  const pending: Array<(env: Env) => void> = [];
  let committed = false;
  const open = (): void => {
    if (committed) throw new Error('LongTransaction: already committed');
  };
  return {
    adjustInventory: (productId, locationId, quantity) => {
      open();
      if (!db.store.get('product.product', productId))
        throw new Error(`LongTransaction: no product.product ${productId}`);
      if (!db.store.get('stock.location', locationId))
        throw new Error(`LongTransaction: no stock.location ${locationId}`);
      pending.push((env) => setInventory(env, productId, locationId, quantity));
    },
    commit: () => {
      open();
      committed = true;
      db.transaction(SUPERUSER_ID, {}, (env) => pending.forEach((apply) => apply(env)), startedAt);
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
