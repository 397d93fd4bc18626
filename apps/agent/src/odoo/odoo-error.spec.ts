import { classifyHttpStatus, classifyOdooException, isReadMethod } from './odoo-error';

const target = { url: 'http://odoo.lan:8069', db: 'prod', user: 'sync-bot@example.com' };

describe('classifyOdooException', () => {
  it.each([
    ['odoo.exceptions.AccessDenied', 'Access Denied', 'auth'],
    ['werkzeug.exceptions.Unauthorized', 'Invalid apikey', 'auth'],
    ['psycopg2.OperationalError', 'FATAL:  database "prod" does not exist', 'database'],
    ['werkzeug.exceptions.NotFound', 'database "prod" not found', 'database'],
    ['odoo.exceptions.AccessError', 'You are not allowed to access Stock Move', 'access'],
    ['odoo.exceptions.UserError', "Object mrp.bom doesn't exist", 'module-missing'],
    ['werkzeug.exceptions.NotFound', "the model 'mrp.bom' does not exist", 'module-missing'],
    ['builtins.KeyError', "KeyError: 'mrp.bom'", 'module-missing'],
    ['psycopg2.errors.SerializationFailure', 'could not serialize access', 'server'],
    ['builtins.ValueError', 'Invalid field product_uom_qty on model stock.move', 'server'],
  ])('%s "%s" → %s', (name, message, kind) => {
    expect(
      classifyOdooException(target, { model: 'stock.move', method: 'search_read' }, name, message).kind,
    ).toBe(kind);
  });

  it('retries only concurrency failures, and names the model for access problems', () => {
    const site = { model: 'stock.quant', method: 'search_read' };
    expect(
      classifyOdooException(target, site, 'psycopg2.errors.DeadlockDetected', 'deadlock').retryable,
    ).toBe(true);
    expect(
      classifyOdooException(target, site, 'odoo.exceptions.AccessDenied', 'Access Denied').retryable,
    ).toBe(false);
    expect(
      classifyOdooException(
        target,
        { model: 'stock.picking', method: 'button_validate' },
        'odoo.exceptions.AccessError',
        'no',
      ).message,
    ).toBe(
      'the user sync-bot@example.com may not call button_validate on stock.picking: give it Inventory / User rights (Odoo said: no)',
    );
  });
});

describe('classifyHttpStatus', () => {
  it('retries gateway errors and explains a 404', () => {
    expect(classifyHttpStatus(target, { method: 'x' }, '/jsonrpc', 504, '')).toMatchObject({
      kind: 'server',
      retryable: true,
    });
    expect(classifyHttpStatus(target, { method: 'x' }, '/jsonrpc', 404, '')).toMatchObject({
      kind: 'protocol',
      message:
        'http://odoo.lan:8069/jsonrpc answered HTTP 404: check that ODOO_URL points at the Odoo server itself',
    });
    expect(
      classifyHttpStatus(target, { method: 'x' }, '/jsonrpc', 500, '<h1>Internal   Server Error</h1>')
        .message,
    ).toBe('Odoo at http://odoo.lan:8069 answered HTTP 500 to x: <h1>Internal Server Error</h1>');
  });

  it('knows which calls are safe to repeat', () => {
    expect(isReadMethod('search_read')).toBe(true);
    expect(isReadMethod('common.authenticate')).toBe(true);
    expect(isReadMethod('action_apply_inventory')).toBe(false);
  });
});
