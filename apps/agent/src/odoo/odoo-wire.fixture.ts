import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture only (used by the specs beside it): a real HTTP server on 127.0.0.1 that answers with
 * scripted Odoo wire shapes, so the client's HTTP, parsing and error paths run for real.
 */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type WireReply =
  | { status?: number; json: unknown; delayMs?: number }
  | { status: number; text: string; contentType?: string; delayMs?: number }
  | { drop: true }; // close the socket without answering

export interface WireFixture {
  url: string;
  requests: WireRequest[];
  close(): Promise<void>;
}

export async function startWireFixture(handler: (req: WireRequest) => WireReply): Promise<WireFixture> {
  const requests: WireRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
      } catch {
        // keep the raw text
      }
      const request: WireRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      requests.push(request);
      const reply = handler(request);
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      const send = (): void => {
        if ('json' in reply) {
          res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(reply.json));
        } else {
          res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'text/html; charset=utf-8' });
          res.end(reply.text);
        }
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JSON-RPC answer envelopes as Odoo writes them. */
export const rpcResult = (result: unknown): WireReply => ({ json: { jsonrpc: '2.0', id: 1, result } });
export const rpcNoResult = (): WireReply => ({ json: { jsonrpc: '2.0', id: 1 } });
export const rpcError = (name: string, message: string, code = 200): WireReply => ({
  json: {
    jsonrpc: '2.0',
    id: 1,
    error: {
      code,
      message: 'Odoo Server Error',
      data: {
        name,
        message,
        arguments: [message],
        context: {},
        debug: 'Traceback (most recent call last): ...',
      },
    },
  },
});
export const json2Error = (status: number, name: string, message: string): WireReply => ({
  status,
  json: { name, message, arguments: [message, status], context: {}, debug: 'Traceback ...' },
});

/** The params of a JSON-RPC request body (`{service, method, args}`). */
export function rpcParams(req: WireRequest): { service: string; method: string; args: unknown[] } {
  const body = req.body as { params?: { service?: string; method?: string; args?: unknown[] } } | undefined;
  return {
    service: body?.params?.service ?? '',
    method: body?.params?.method ?? '',
    args: body?.params?.args ?? [],
  };
}
