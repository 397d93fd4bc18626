import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHintHandler, MAX_HINT_BYTES } from './hint.handler';

const SECRET = 'a-shared-secret-of-some-length';

/** Odoo's webhook body: sorted keys, `_action`, `_id`, `_model`, selected fields (bare many2one ids). */
const ODOO_HINT = {
  _action: 'Notify stock agent(#42)',
  _id: 8,
  _model: 'stock.quant',
  id: 8,
  product_id: 44,
  quantity: 12.0,
};

async function send(
  port: number,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hint handler (POST /hints)', () => {
  let server: Server;
  let port: number;
  let hints: unknown[];

  beforeEach(async () => {
    hints = [];
    server = createServer(createHintHandler(SECRET, (body) => hints.push(body)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  it("accepts Odoo's webhook with the secret in the URL (Odoo sends no auth header) and answers 202", async () => {
    const res = await send(port, `/hints?secret=${encodeURIComponent(SECRET)}`, JSON.stringify(ODOO_HINT));
    expect(res.status).toBe(202);
    expect(hints).toEqual([ODOO_HINT]);
  });

  it('accepts the secret in X-StockBridge-Hint-Secret', async () => {
    const res = await send(port, '/hints', '{}', { 'X-StockBridge-Hint-Secret': SECRET });
    expect(res.status).toBe(202);
    expect(hints).toHaveLength(1);
  });

  it('refuses a missing or wrong secret with 401 and never calls back', async () => {
    expect((await send(port, '/hints', '{}')).status).toBe(401);
    const wrong = await send(port, '/hints?secret=a-shared-secret-of-some-lengtX', '{}');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({
      error: 'secret: missing or wrong (add ?secret=... to the webhook URL)',
    });
    expect((await send(port, '/hints?secret=short', '{}')).status).toBe(401);
    expect(hints).toEqual([]);
  });

  it('names a body that is not JSON (400) and refuses more than 64 KiB (413)', async () => {
    const bad = await send(port, `/hints?secret=${SECRET}`, 'product_id=44');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({
      error: expect.stringMatching(/^body: expected JSON \(/) as unknown,
    });
    const empty = await send(port, `/hints?secret=${SECRET}`, '');
    expect(JSON.parse(empty.body)).toEqual({ error: 'body: expected JSON (the body is empty)' });
    const big = await send(port, `/hints?secret=${SECRET}`, Buffer.alloc(MAX_HINT_BYTES + 1, 0x20));
    expect(big.status).toBe(413);
    expect(hints).toEqual([]);
  });

  it('stops reading a chunked body (no Content-Length) once it passes 64 KiB', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/hints?secret=${SECRET}`, method: 'POST' });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      for (let i = 0; i < 5; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
    expect(hints).toEqual([]);
  });

  it('refuses other paths and methods', async () => {
    expect((await send(port, `/other?secret=${SECRET}`, '{}')).status).toBe(404);
    expect((await send(port, `/hints?secret=${SECRET}`, '', {}, 'GET')).status).toBe(405);
  });

  it('a throwing callback does not break the answer', async () => {
    server.removeAllListeners('request');
    server.on(
      'request',
      createHintHandler(SECRET, () => {
        throw new Error('boom');
      }),
    );
    expect((await send(port, `/hints?secret=${SECRET}`, '{}')).status).toBe(202);
  });

  it('refuses a short shared secret at creation', () => {
    expect(() => createHintHandler('short', () => undefined)).toThrow(/at least 16 characters/);
  });
});
