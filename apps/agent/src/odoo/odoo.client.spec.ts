import { OdooClient, parseVersion } from './odoo.client';
import {
  rpcError,
  rpcParams,
  rpcResult,
  startWireFixture,
  type WireFixture,
  type WireReply,
  type WireRequest,
} from './odoo-wire.fixture';

const STOCK_FIELDS_17 = {
  qty_available: { type: 'float' },
  free_qty: { type: 'float' },
  virtual_available: { type: 'float' },
  detailed_type: { type: 'selection' },
  type: { type: 'selection' },
};

/** A scripted Odoo 16–18 over JSON-RPC: /web/version is 404 (HTML) as on those versions. */
function jsonRpcOdoo(overrides: Partial<Record<string, WireReply>> = {}): (req: WireRequest) => WireReply {
  return (req) => {
    if (req.path === '/web/version') return { status: 404, text: '<html>Not Found</html>' };
    const { service, method, args } = rpcParams(req);
    const key = service === 'object' ? `${String(args[3])}.${String(args[4])}` : `${service}.${method}`;
    const override = overrides[key];
    if (override) return override;
    switch (key) {
      case 'common.version':
        return rpcResult({
          server_version: '17.0',
          server_version_info: [17, 0, 0, 'final', 0, ''],
          server_serie: '17.0',
          protocol_version: 1,
        });
      case 'common.authenticate':
        return rpcResult(args[2] === 'good-key' ? 7 : false);
      case 'product.product.fields_get':
        return rpcResult(STOCK_FIELDS_17);
      case 'stock.move.search_read':
        return rpcResult([{ id: 99 }]);
      default:
        return rpcError('odoo.exceptions.UserError', `Object ${String(args[3])} doesn't exist`);
    }
  };
}

const config = (url: string, apiKey = 'good-key') => ({
  url,
  db: 'prod',
  user: 'sync-bot@example.com',
  apiKey,
  timeoutMs: 2_000,
  retry: { attempts: 2, baseMs: 1, maxMs: 2 },
});

describe('OdooClient.connect', () => {
  let fixture: WireFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('on 16–18 falls back to common.version, authenticates over JSON-RPC and detects detailed_type', async () => {
    fixture = await startWireFixture(jsonRpcOdoo());
    const logs: string[] = [];
    const client = await OdooClient.connect({
      ...config(fixture.url),
      logger: { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) },
    });
    expect(client.version).toEqual({ major: 17, minor: 0, label: '17.0' });
    expect(client.transportKind).toBe('jsonrpc');
    expect(client.uid).toBe(7);
    expect(client.storableField).toBe('detailed_type');
    expect(client.isStorable({ detailed_type: 'product' })).toBe(true);
    expect(client.isStorable({ detailed_type: 'consu' })).toBe(false);
    expect(logs).toEqual([`connected to Odoo 17.0 at ${fixture.url} over JSON-RPC`]);
    const calls = fixture.requests.map((r) => (r.path === '/jsonrpc' ? rpcParams(r).method : r.path));
    expect(calls).toEqual(['/web/version', 'version', 'authenticate', 'execute_kw', 'execute_kw']);
    expect(rpcParams(fixture.requests[2]!).args).toEqual(['prod', 'sync-bot@example.com', 'good-key', {}]);
  });

  it('turns authenticate → false into an auth error that names user, database and settings', async () => {
    fixture = await startWireFixture(jsonRpcOdoo());
    await expect(OdooClient.connect(config(fixture.url, 'bad-key'))).rejects.toMatchObject({
      name: 'OdooError',
      kind: 'auth',
      message:
        'Odoo rejected the login of sync-bot@example.com on database "prod": check ODOO_USER and ODOO_API_KEY',
    });
  });

  it('says when Stock is not installed', async () => {
    fixture = await startWireFixture(
      jsonRpcOdoo({ 'product.product.fields_get': rpcResult({ type: { type: 'selection' } }) }),
    );
    await expect(OdooClient.connect(config(fixture.url))).rejects.toMatchObject({
      kind: 'module-missing',
      message: `the Stock (stock) module is not installed in "prod": install Inventory in Odoo's Apps, then restart the agent`,
    });
  });

  it('says when the user may not read stock moves', async () => {
    fixture = await startWireFixture(
      jsonRpcOdoo({
        'stock.move.search_read': rpcError(
          'odoo.exceptions.AccessError',
          'You are not allowed to access Stock Move (stock.move) records.',
        ),
      }),
    );
    await expect(OdooClient.connect(config(fixture.url))).rejects.toMatchObject({
      kind: 'access',
      message: expect.stringMatching(
        /^the user sync-bot@example.com may not read stock.move: give it Inventory \/ User rights/,
      ) as unknown,
    });
  });

  it('says when the database does not exist', async () => {
    fixture = await startWireFixture(
      jsonRpcOdoo({
        'common.authenticate': rpcError('psycopg2.OperationalError', 'database "prod" does not exist'),
      }),
    );
    await expect(OdooClient.connect(config(fixture.url))).rejects.toMatchObject({
      kind: 'database',
      message: `database "prod" does not exist on ${fixture.url}: check ODOO_DB`,
    });
  });

  it('on 19 uses /web/version, JSON-2 with the bearer key, and is_storable', async () => {
    fixture = await startWireFixture((req) => {
      if (req.path === '/web/version')
        return { json: { version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' } };
      if (req.headers['authorization'] !== 'bearer good-key') {
        return { status: 401, json: { name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' } };
      }
      if (req.path === '/json/2/res.users/context_get') return { json: { lang: 'en_US', tz: 'UTC', uid: 9 } };
      if (req.path === '/json/2/product.product/fields_get') {
        return {
          json: { qty_available: {}, free_qty: {}, virtual_available: {}, is_storable: {}, type: {} },
        };
      }
      if (req.path === '/json/2/stock.move/search_read') return { json: [] };
      return { status: 404, json: { name: 'werkzeug.exceptions.NotFound', message: 'Not Found' } };
    });
    const client = await OdooClient.connect(config(fixture.url));
    expect(client.transportKind).toBe('json2');
    expect(client.uid).toBe(9);
    expect(client.storableField).toBe('is_storable');
    expect(client.isStorable({ is_storable: true, type: 'consu' })).toBe(true);
    expect(fixture.requests.some((r) => r.path === '/jsonrpc')).toBe(false);
    expect(fixture.requests.find((r) => r.path === '/json/2/stock.move/search_read')?.body).toEqual({
      domain: [],
      fields: ['id'],
      limit: 1,
      order: 'id desc',
    });
    await expect(client.hasModel('mrp.bom')).resolves.toBe(false);
    await expect(OdooClient.connect(config(fixture.url, 'bad-key'))).rejects.toMatchObject({ kind: 'auth' });
  });

  it('reports a closed port as unreachable', async () => {
    fixture = await startWireFixture(jsonRpcOdoo());
    const { url } = fixture;
    await fixture.close();
    fixture = undefined;
    await expect(OdooClient.connect(config(url))).rejects.toMatchObject({
      kind: 'unreachable',
      message: `Odoo at ${url} is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs`,
    });
  });
});

describe('OdooClient helpers', () => {
  let fixture: WireFixture;
  afterEach(() => fixture.close());

  it('searchRead and read pass fields, order, limit and context; bad shapes are protocol errors', async () => {
    let nextResult: unknown = [{ id: 1, write_date: '2025-03-01 09:51:07' }];
    fixture = await startWireFixture((req) => {
      const handled = jsonRpcOdoo()(req);
      const { args } = rpcParams(req);
      if (args[3] === 'stock.quant') return rpcResult(nextResult);
      return handled;
    });
    const client = await OdooClient.connect(config(fixture.url));
    const rows = await client.searchRead('stock.quant', [['write_date', '>=', '2025-03-01 09:50:00']], {
      fields: ['product_id', 'write_date'],
      limit: 500,
      order: 'write_date asc, id asc',
      context: { active_test: false },
    });
    expect(rows).toEqual([{ id: 1, write_date: '2025-03-01 09:51:07' }]);
    expect(rpcParams(fixture.requests.at(-1)!).args.slice(3)).toEqual([
      'stock.quant',
      'search_read',
      [[['write_date', '>=', '2025-03-01 09:50:00']]],
      {
        fields: ['product_id', 'write_date'],
        limit: 500,
        order: 'write_date asc, id asc',
        context: { active_test: false },
      },
    ]);
    await expect(client.read('stock.quant', [], ['id'])).resolves.toEqual([]);
    nextResult = { not: 'a list' };
    await expect(client.read('stock.quant', [1], ['id'])).rejects.toMatchObject({ kind: 'protocol' });
  });
});

describe('parseVersion', () => {
  it('reads numeric and saas version infos', () => {
    expect(parseVersion([16, 0, 0, 'final', 0, ''], '16.0')).toEqual({ major: 16, minor: 0, label: '16.0' });
    expect(parseVersion(['saas~18', 4, 0, 'final', 0, ''], 'saas~18.4')).toEqual({
      major: 18,
      minor: 4,
      label: 'saas~18.4',
    });
    expect(parseVersion('17.0', '17.0')).toBeUndefined();
  });
});
