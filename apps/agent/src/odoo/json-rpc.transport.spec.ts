import { OdooError } from './odoo-error';
import { JsonRpcTransport } from './json-rpc.transport';
import type { TransportOptions } from './odoo-transport';
import {
  rpcError,
  rpcNoResult,
  rpcParams,
  rpcResult,
  startWireFixture,
  type WireFixture,
  type WireReply,
} from './odoo-wire.fixture';

const options = (url: string, overrides: Partial<TransportOptions> = {}): TransportOptions => ({
  target: { url, db: 'prod', user: 'sync-bot@example.com' },
  apiKey: 'key-123',
  timeoutMs: 2_000,
  retry: { attempts: 3, baseMs: 1, maxMs: 5 },
  ...overrides,
});

describe('JsonRpcTransport', () => {
  let fixture: WireFixture;
  let replies: WireReply[];

  beforeEach(async () => {
    replies = [];
    fixture = await startWireFixture(() => replies.shift() ?? rpcResult(null));
  });
  afterEach(() => fixture.close());

  it('sends execute_kw with db, uid, API key, model, method, args and kwargs', async () => {
    replies.push(rpcResult([{ id: 44, free_qty: 9 }]));
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    const result = await transport.call('product.product', 'read', [[44], ['free_qty']], {
      context: { warehouse: 1, warehouse_id: 1 },
    });
    expect(result).toEqual([{ id: 44, free_qty: 9 }]);
    const [req] = fixture.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/jsonrpc');
    expect(req?.body).toMatchObject({ jsonrpc: '2.0', method: 'call' });
    expect(rpcParams(req!)).toEqual({
      service: 'object',
      method: 'execute_kw',
      args: [
        'prod',
        7,
        'key-123',
        'product.product',
        'read',
        [[44], ['free_qty']],
        { context: { warehouse: 1, warehouse_id: 1 } },
      ],
    });
  });

  it('treats an answer without `result` as success with no value', async () => {
    replies.push(rpcNoResult());
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    await expect(transport.call('stock.quant', 'action_apply_inventory', [[8]], {})).resolves.toBeUndefined();
  });

  it('classifies by error.data.name, whatever error.code says', async () => {
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    replies.push(rpcError('odoo.exceptions.AccessDenied', 'Access Denied', 0));
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'auth',
      message:
        'Odoo rejected the login of sync-bot@example.com on database "prod": check ODOO_USER and ODOO_API_KEY',
    });
    replies.push(rpcError('odoo.exceptions.AccessError', 'You are not allowed to access Stock Move', 200));
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'access',
      message: expect.stringMatching(
        /^the user sync-bot@example.com may not read stock.move: give it Inventory \/ User rights/,
      ) as unknown,
    });
    replies.push(rpcError('odoo.exceptions.UserError', "Object mrp.bom doesn't exist"));
    await expect(transport.call('mrp.bom', 'fields_get', [], {})).rejects.toMatchObject({
      kind: 'module-missing',
    });
    replies.push(rpcError('psycopg2.OperationalError', 'FATAL:  database "prod" does not exist'));
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'database',
      message: `database "prod" does not exist on ${fixture.url}: check ODOO_DB`,
    });
    replies.push(rpcError('odoo.exceptions.ValidationError', 'The quantity must be positive'));
    const err = (await transport
      .call('stock.quant', 'create', [{}], {})
      .catch((e: unknown) => e)) as OdooError;
    expect(err).toBeInstanceOf(OdooError);
    expect(err.kind).toBe('server');
    expect(err.message).toBe(
      'Odoo failed to run stock.quant.create: ValidationError: The quantity must be positive',
    );
    expect(fixture.requests).toHaveLength(5); // none of these is retried
  });

  it('retries serialization failures and 502/503/504, then succeeds', async () => {
    replies.push(
      rpcError('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update'),
      { status: 503, text: '<html>Service Unavailable</html>' },
      rpcResult(3),
    );
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    await expect(transport.call('stock.move', 'search_count', [[]], {})).resolves.toBe(3);
    expect(fixture.requests).toHaveLength(3);
  });

  it('gives up after the configured attempts and reports the last error', async () => {
    replies.push(
      { status: 502, text: 'Bad Gateway' },
      { status: 502, text: 'x' },
      { status: 504, text: 'y' },
    );
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'server',
      retryable: true,
      httpStatus: 504,
    });
    expect(fixture.requests).toHaveLength(3);
  });

  it('reports a timeout with the deadline, and retries reads only', async () => {
    const slow = { json: { jsonrpc: '2.0', id: 1, result: 1 }, delayMs: 300 };
    replies.push(slow, slow);
    const transport = new JsonRpcTransport(
      options(fixture.url, { timeoutMs: 50, retry: { attempts: 2, baseMs: 1, maxMs: 1 } }),
      7,
    );
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'timeout',
      message: `Odoo at ${fixture.url} did not answer stock.move.search_read within 50 ms: check that Odoo is not overloaded`,
    });
    expect(fixture.requests).toHaveLength(2);
    replies.length = 0;
    replies.push(slow, slow);
    await expect(transport.call('stock.quant', 'action_apply_inventory', [[1]], {})).rejects.toMatchObject({
      kind: 'timeout',
      retryable: false,
    });
    expect(fixture.requests).toHaveLength(3); // a write that may have run is never resent
  });

  it('names a page that is not JSON-RPC as a protocol problem', async () => {
    replies.push({ status: 200, text: '<html>login</html>' });
    const transport = new JsonRpcTransport(options(fixture.url), 7);
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'protocol',
      message: `${fixture.url}/jsonrpc did not answer JSON-RPC (got text/html; charset=utf-8): check that ODOO_URL points at the Odoo server itself`,
    });
    replies.push({ status: 404, text: 'Not Found' });
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'protocol',
      httpStatus: 404,
    });
  });

  it('reports a refused connection as unreachable, naming the code and the URL', async () => {
    const url = fixture.url;
    await fixture.close();
    const transport = new JsonRpcTransport(options(url), 7);
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'unreachable',
      message: `Odoo at ${url} is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs`,
    });
    fixture = await startWireFixture(() => rpcResult(null)); // for afterEach
  });

  it('keeps a path prefix of ODOO_URL (reverse proxy)', async () => {
    replies.push(rpcResult(1));
    await new JsonRpcTransport(options(`${fixture.url}/odoo/`), 7).call(
      'res.partner',
      'search_count',
      [[]],
      {},
    );
    expect(fixture.requests[0]?.path).toBe('/odoo/jsonrpc');
  });
});
