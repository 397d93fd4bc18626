import { json2Body, Json2Transport } from './json2.transport';
import type { TransportOptions } from './odoo-transport';
import { json2Error, startWireFixture, type WireFixture, type WireReply } from './odoo-wire.fixture';

const options = (url: string): TransportOptions => ({
  target: { url, db: 'prod', user: 'sync-bot@example.com' },
  apiKey: 'key-123',
  timeoutMs: 2_000,
  retry: { attempts: 3, baseMs: 1, maxMs: 5 },
});

describe('json2Body', () => {
  it('names search_read arguments: domain, fields, limit, offset, order and context', () => {
    expect(
      json2Body('search_read', [[['write_date', '>=', '2025-03-01 09:50:00']]], {
        fields: ['product_id'],
        limit: 500,
        offset: 0,
        order: 'write_date asc, id asc',
        context: { active_test: false },
      }),
    ).toEqual({
      domain: [['write_date', '>=', '2025-03-01 09:50:00']],
      fields: ['product_id'],
      limit: 500,
      offset: 0,
      order: 'write_date asc, id asc',
      context: { active_test: false },
    });
  });

  it('sends record ids of read, write and action methods as `ids`', () => {
    expect(json2Body('read', [[44, 45], ['free_qty']], {})).toEqual({ ids: [44, 45], fields: ['free_qty'] });
    expect(json2Body('write', [[1], { active: false }], {})).toEqual({ ids: [1], vals: { active: false } });
    expect(json2Body('button_validate', [[12]], { context: { skip_sms: true } })).toEqual({
      ids: [12],
      context: { skip_sms: true },
    });
    expect(json2Body('fields_get', [], { allfields: ['id'], attributes: ['type'] })).toEqual({
      allfields: ['id'],
      attributes: ['type'],
    });
    expect(json2Body('search_count', [[]], {})).toEqual({ domain: [] });
  });

  it('refuses positional arguments it cannot name', () => {
    expect(() => json2Body('some_method', ['x', 1], {})).toThrow(
      /JSON-2 needs named arguments for some_method/,
    );
    expect(() => json2Body('search_count', [[], 1, 2], {})).toThrow(/search_count takes at most 2/);
    expect(() => json2Body('read', [[1]], { ids: [2] })).toThrow(/got ids twice/);
  });
});

describe('Json2Transport', () => {
  let fixture: WireFixture;
  let replies: WireReply[];

  beforeEach(async () => {
    replies = [];
    fixture = await startWireFixture(() => replies.shift() ?? { json: null });
  });
  afterEach(() => fixture.close());

  it('posts named arguments to /json/2/<model>/<method> with the bearer key and the database header', async () => {
    replies.push({ json: [{ id: 44, default_code: 'SKU-44', qty_available: 12, free_qty: 9 }] });
    const transport = new Json2Transport(options(fixture.url));
    const result = await transport.call(
      'product.product',
      'read',
      [[44], ['default_code', 'qty_available', 'free_qty']],
      {
        context: { warehouse_id: 3, allowed_company_ids: [1] },
      },
    );
    expect(result).toEqual([{ id: 44, default_code: 'SKU-44', qty_available: 12, free_qty: 9 }]);
    const [req] = fixture.requests;
    expect(req?.path).toBe('/json/2/product.product/read');
    expect(req?.headers['authorization']).toBe('bearer key-123');
    expect(req?.headers['x-odoo-database']).toBe('prod');
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.body).toEqual({
      ids: [44],
      fields: ['default_code', 'qty_available', 'free_qty'],
      context: { warehouse_id: 3, allowed_company_ids: [1] },
    });
  });

  it('maps HTTP statuses and error names to kinds', async () => {
    const transport = new Json2Transport(options(fixture.url));
    replies.push(json2Error(401, 'werkzeug.exceptions.Unauthorized', 'Invalid apikey'));
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'auth',
      message:
        'Odoo rejected the login of sync-bot@example.com on database "prod": check ODOO_USER and ODOO_API_KEY',
    });
    replies.push(json2Error(403, 'odoo.exceptions.AccessError', 'You are not allowed to access Stock Quant'));
    await expect(transport.call('stock.quant', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'access',
    });
    replies.push(json2Error(404, 'werkzeug.exceptions.NotFound', 'Not Found'));
    await expect(transport.call('mrp.bom', 'fields_get', [], {})).rejects.toMatchObject({
      kind: 'module-missing',
      message:
        'the model mrp.bom (or its method fields_get) does not exist in "prod": the module that provides it is not installed',
    });
    replies.push({ status: 404, text: '<html>404</html>' });
    await expect(transport.call('stock.move', 'search_read', [[]], {})).rejects.toMatchObject({
      kind: 'protocol',
    });
    expect(fixture.requests).toHaveLength(4);
  });

  it('retries 503 and serialization failures', async () => {
    replies.push(
      { status: 503, text: 'busy' },
      json2Error(500, 'psycopg2.errors.SerializationFailure', 'could not serialize access'),
      { json: 5 },
    );
    await expect(
      new Json2Transport(options(fixture.url)).call('stock.move', 'search_count', [[]], {}),
    ).resolves.toBe(5);
    expect(fixture.requests).toHaveLength(3);
  });
});
