import { OdooRpcError, OdooTestClient } from '../../support/odoo-test-client';
import { startOdooSimulator, type OdooSimulator } from './odoo-simulator';
import { READER_API_KEY, READER_LOGIN } from './seed';

async function rpc(
  sim: OdooSimulator,
  service: string,
  method: string,
  args: unknown[],
): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 7, params: { service, method, args } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

const executeKw = (
  sim: OdooSimulator,
  key: string,
  model: string,
  method: string,
  args: unknown[],
  kwargs = {},
) => rpc(sim, 'object', 'execute_kw', [sim.db, 3, key, model, method, args, kwargs]);

describe('Odoo simulator: JSON-RPC wire format (17)', () => {
  let sim: OdooSimulator;
  beforeAll(async () => {
    sim = await startOdooSimulator({ version: 17 });
  });
  afterAll(() => sim.close());

  it('answers version and authenticate like Odoo, false for bad credentials', async () => {
    expect(await rpc(sim, 'common', 'version', [])).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: {
        server_version: '17.0',
        server_version_info: [17, 0, 0, 'final', 0, ''],
        server_serie: '17.0',
        protocol_version: 1,
      },
    });
    expect((await rpc(sim, 'common', 'authenticate', [sim.db, sim.login, sim.apiKey, {}])).result).toBe(3);
    expect(await rpc(sim, 'common', 'authenticate', [sim.db, sim.login, 'wrong-key', {}])).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: false,
    });
    expect((await rpc(sim, 'common', 'login', [sim.db, 'admin', 'admin'])).result).toBe(2);
    const missing = await rpc(sim, 'common', 'authenticate', [sim.db, sim.login, sim.apiKey]);
    expect(missing['error']).toMatchObject({ data: { name: 'builtins.TypeError' } });
  });

  it('answers a wrong database name with psycopg2.OperationalError', async () => {
    const answer = await rpc(sim, 'common', 'authenticate', ['nope', sim.login, sim.apiKey, {}]);
    expect(answer['error']).toMatchObject({
      code: 200,
      message: 'Odoo Server Error',
      data: {
        name: 'psycopg2.OperationalError',
        message: expect.stringContaining('FATAL:  database "nope" does not exist'),
      },
    });
  });

  it('answers execute_kw with a bad key with AccessDenied in the full error shape', async () => {
    const answer = await executeKw(sim, 'wrong-key', 'product.product', 'search', [[]]);
    expect(answer).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: 200,
        message: 'Odoo Server Error',
        data: {
          name: 'odoo.exceptions.AccessDenied',
          message: 'Access Denied',
          arguments: ['Access Denied'],
          context: {},
          debug: expect.stringContaining('Traceback (most recent call last):'),
        },
      },
    });
  });

  it('omits `result` when the method returns None', async () => {
    const quantId = await executeKw(
      sim,
      sim.apiKey,
      'stock.quant',
      'create',
      [{ product_id: 1, location_id: 9, inventory_quantity: 41 }],
      {
        context: { inventory_mode: true },
      },
    );
    const answer = await executeKw(
      sim,
      sim.apiKey,
      'stock.quant',
      'action_apply_inventory',
      [[quantId['result']]],
      {
        context: { inventory_mode: true },
      },
    );
    expect(answer).toEqual({ jsonrpc: '2.0', id: 7 });
  });

  it('names unknown models, unknown and private methods, and bad arguments', async () => {
    const errorOf = async (model: string, method: string, args: unknown[], kwargs = {}): Promise<unknown> =>
      ((await executeKw(sim, sim.apiKey, model, method, args, kwargs))['error'] as { data: unknown }).data;
    expect(await errorOf('no.such.model', 'search', [[]])).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message: "Object no.such.model doesn't exist",
    });
    expect(await errorOf('product.product', 'frobnicate', [[]])).toMatchObject({
      name: 'builtins.AttributeError',
    });
    expect(await errorOf('product.product', '_compute_quantities', [[1]])).toMatchObject({
      name: 'odoo.exceptions.AccessError',
      message: expect.stringContaining('Private methods'),
    });
    expect(await errorOf('product.product', 'search_read', [[]], { colour: 'blue' })).toMatchObject({
      name: 'builtins.TypeError',
      message: "search_read() got an unexpected keyword argument 'colour'",
    });
    expect(await errorOf('product.product', 'read', [[424242], ['name']])).toMatchObject({
      name: 'odoo.exceptions.MissingError',
    });
    const services = await rpc(sim, 'nope', 'x', []);
    expect(services['error']).toMatchObject({ data: { name: 'builtins.KeyError' } });
  });

  it('answers a malformed body with a plain 400 and keeps serving', async () => {
    const bad = await fetch(`${sim.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"jsonrpc": "2.0", ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Invalid JSON data');
    const notJson = await fetch(`${sim.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(notJson.status).toBe(400);
    const noParams = await fetch(`${sim.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"id":1}',
    });
    expect(((await noParams.json()) as { error: { data: { name: string } } }).error.data.name).toBe(
      'builtins.TypeError',
    );
    expect((await rpc(sim, 'common', 'version', []))['result']).toBeDefined();
  });

  it('serves /web/version, and 404 HTML for /json/2 before 19', async () => {
    const version = await fetch(`${sim.url}/web/version`);
    expect(await version.json()).toEqual({ version_info: [17, 0, 0, 'final', 0, ''], version: '17.0' });
    const json2 = await fetch(`${sim.url}/json/2/product.product/search`, {
      method: 'POST',
      headers: { Authorization: `bearer ${sim.apiKey}`, 'Content-Type': 'application/json' },
      body: '{"domain": []}',
    });
    expect(json2.status).toBe(404);
    expect(json2.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('gives a user without stock rights AccessError on stock models and quantities, not on names', async () => {
    const reader = await OdooTestClient.connect(sim.url, sim.db, READER_LOGIN, READER_API_KEY);
    await expect(reader.executeKw('stock.quant', 'search', [[]])).rejects.toMatchObject({
      errorName: 'odoo.exceptions.AccessError',
      message: expect.stringContaining("You are not allowed to access 'Quants' (stock.quant) records."),
    });
    await expect(
      reader.executeKw('product.product', 'read', [[1], ['qty_available']]),
    ).rejects.toBeInstanceOf(OdooRpcError);
    await expect(reader.executeKw('product.product', 'read', [[1], ['default_code']])).resolves.toEqual([
      { id: 1, default_code: 'MUG-BLUE' },
    ]);
  });

  it('records the calls it serves, for cost assertions', async () => {
    const odoo = await OdooTestClient.connect(sim.url, sim.db, sim.login, sim.apiKey);
    const before = sim.calls().length;
    await odoo.executeKw('product.product', 'search_count', [[]]);
    expect(sim.calls().slice(before)).toEqual([{ model: 'product.product', method: 'search_count' }]);
  });
});

describe('Odoo simulator: JSON-2 (19)', () => {
  let sim: OdooSimulator;
  beforeAll(async () => {
    sim = await startOdooSimulator({ version: 19 });
  });
  afterAll(() => sim.close());

  const json2 = async (
    path: string,
    body: unknown,
    key = sim.apiKey,
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${sim.url}/json/2/${path}`, {
      method: 'POST',
      headers: {
        Authorization: `bearer ${key}`,
        'X-Odoo-Database': sim.db,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  it('answers a call with the bare result', async () => {
    const { status, body } = await json2('product.product/search_read', {
      domain: [['default_code', '=', 'MUG-BLUE']],
      fields: ['default_code', 'qty_available', 'free_qty', 'type', 'is_storable'],
      context: { warehouse_id: 2 },
    });
    expect(status).toBe(200);
    expect(body).toEqual([
      { id: 1, default_code: 'MUG-BLUE', qty_available: 10, free_qty: 10, type: 'consu', is_storable: true },
    ]);
    expect((await json2('product.product/read', { ids: [1], fields: ['default_code'] })).body).toEqual([
      { id: 1, default_code: 'MUG-BLUE' },
    ]);
    expect((await json2('res.users/context_get', {})).body).toMatchObject({ uid: 3, lang: 'en_US' });
    const version = await fetch(`${sim.url}/web/version`);
    expect(await version.json()).toEqual({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
  });

  it('answers None as null', async () => {
    const quantId = (
      await json2('stock.quant/create', {
        vals_list: { product_id: 1, location_id: 9, inventory_quantity: 3 },
        context: { inventory_mode: true },
      })
    ).body;
    expect(quantId).toEqual(expect.any(Number));
    expect(
      await json2('stock.quant/action_apply_inventory', {
        ids: [quantId],
        context: { inventory_mode: true },
      }),
    ).toEqual({
      status: 200,
      body: null,
    });
  });

  it('uses real HTTP statuses: 401, 404, 422, 403', async () => {
    expect(await json2('product.product/search', { domain: [] }, 'bad-key')).toEqual({
      status: 401,
      body: {
        name: 'werkzeug.exceptions.Unauthorized',
        message: 'Invalid apikey',
        arguments: ['Invalid apikey', 401],
        context: {},
        debug: expect.any(String),
      },
    });
    expect(await json2('no.model/search', { domain: [] })).toMatchObject({
      status: 404,
      body: { name: 'werkzeug.exceptions.NotFound', message: "the model 'no.model' does not exist" },
    });
    expect(await json2('product.product/frobnicate', {})).toMatchObject({
      status: 404,
      body: { message: "The method 'product.product.frobnicate' does not exist" },
    });
    expect(await json2('product.product/search', { domain: [], colour: 1 })).toMatchObject({
      status: 422,
      body: {
        name: 'werkzeug.exceptions.UnprocessableEntity',
        message: "got an unexpected keyword argument 'colour'",
      },
    });
    expect(await json2('product.product/search', { ids: [1], domain: [] })).toMatchObject({
      status: 422,
      body: { message: 'cannot call product.product.search with ids' },
    });
    expect(await json2('product.product/create', {})).toMatchObject({
      status: 422,
      body: { message: "missing a required argument: 'vals_list'" },
    });
    expect(await json2('stock.quant/search', { domain: [] }, READER_API_KEY)).toMatchObject({
      status: 403,
      body: { name: 'odoo.exceptions.AccessError' },
    });
    expect(await json2('stock.quant/write', { ids: [1], vals: { quantity: 1 } })).toMatchObject({
      status: 422,
      body: { name: 'odoo.exceptions.UserError' },
    });
  });

  it('still serves /jsonrpc, with error code 0', async () => {
    expect((await rpc(sim, 'common', 'version', []))['result']).toMatchObject({ server_version: '19.0' });
    const answer = await executeKw(sim, 'bad', 'product.product', 'search', [[]]);
    expect(answer['error']).toMatchObject({ code: 0, data: { name: 'odoo.exceptions.AccessDenied' } });
  });
});

describe('Odoo simulator: installed modules and faults', () => {
  it('without the stock module, stock models and quantity fields do not exist', async () => {
    const sim = await startOdooSimulator({ modules: [] });
    try {
      const odoo = await OdooTestClient.connect(sim.url, sim.db, sim.login, sim.apiKey);
      await expect(odoo.executeKw('stock.warehouse', 'search', [[]])).rejects.toThrow(
        "Object stock.warehouse doesn't exist",
      );
      const fields = await odoo.executeKw<Record<string, unknown>>('product.product', 'fields_get', [
        [],
        ['type'],
      ]);
      expect(fields).not.toHaveProperty('qty_available');
      expect(fields).toHaveProperty('default_code');
    } finally {
      await sim.close();
    }
  });

  it('drops connections while down, delays answers, and recovers', async () => {
    const sim = await startOdooSimulator({ seed: 'empty' });
    try {
      const version = (): Promise<unknown> => rpc(sim, 'common', 'version', []);
      await version();
      sim.setDown(true);
      await expect(version()).rejects.toThrow();
      sim.setDown(false);
      await expect(version()).resolves.toMatchObject({ result: { server_serie: '17.0' } });
      sim.setResponseDelay(150);
      const started = Date.now();
      await version();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await sim.close();
    }
  });
});
