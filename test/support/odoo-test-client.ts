/**
 * Drives the Odoo simulator (or a real Odoo) the way a person or a script does: only execute_kw over JSON-RPC.
 * Tests use it to make stock change and then check what the agent sees.
 */
export class OdooRpcError extends Error {
  constructor(
    /** error.data.name, e.g. 'odoo.exceptions.AccessError' */
    readonly errorName: string,
    message: string,
    readonly data: unknown,
  ) {
    super(`${errorName}: ${message}`);
    this.name = 'OdooRpcError';
  }
}

type Many2one = [number, string] | false;

interface JsonRpcAnswer {
  result?: unknown;
  error?: { message?: unknown; data?: { name?: unknown; message?: unknown } };
}

export class OdooTestClient {
  private nextId = 1;
  private partnerId: number | undefined;

  private constructor(
    private readonly url: string,
    private readonly db: string,
    readonly uid: number,
    private readonly apiKey: string,
  ) {}

  static async connect(url: string, db: string, login: string, apiKey: string): Promise<OdooTestClient> {
    const uid = await jsonRpc(url, 1, 'common', 'authenticate', [db, login, apiKey, {}]);
    if (typeof uid !== 'number') throw new Error(`Odoo at ${url} refused ${login} on database "${db}"`);
    return new OdooTestClient(url, db, uid, apiKey);
  }

  executeKw<T = unknown>(
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown> = {},
  ): Promise<T> {
    return jsonRpc(this.url, ++this.nextId, 'object', 'execute_kw', [
      this.db,
      this.uid,
      this.apiKey,
      model,
      method,
      args,
      kwargs,
    ]) as Promise<T>;
  }

  async productIdBySku(sku: string): Promise<number> {
    const ids = await this.executeKw<number[]>('product.product', 'search', [[['default_code', '=', sku]]], {
      limit: 1,
      context: { active_test: false },
    });
    const id = ids[0];
    if (id === undefined) throw new Error(`no product.product with default_code ${sku}`);
    return id;
  }

  async warehouseByCode(code: string): Promise<{ id: number; lotStockId: number; viewLocationId: number }> {
    const rows = await this.executeKw<
      Array<{ id: number; lot_stock_id: Many2one; view_location_id: Many2one }>
    >('stock.warehouse', 'search_read', [[['code', '=', code]]], {
      fields: ['lot_stock_id', 'view_location_id'],
      limit: 1,
    });
    const row = rows[0];
    if (!row || !row.lot_stock_id || !row.view_location_id)
      throw new Error(`no stock.warehouse with code ${code}`);
    return { id: row.id, lotStockId: row.lot_stock_id[0], viewLocationId: row.view_location_id[0] };
  }

  /** Inventory > Physical Inventory: count the quantity in the warehouse's stock location, then apply. */
  async adjustInventory(sku: string, warehouseCode: string, quantity: number): Promise<void> {
    const [productId, warehouse] = await Promise.all([
      this.productIdBySku(sku),
      this.warehouseByCode(warehouseCode),
    ]);
    const context = { inventory_mode: true };
    const quantId = await this.executeKw<number>(
      'stock.quant',
      'create',
      [{ product_id: productId, location_id: warehouse.lotStockId, inventory_quantity: quantity }],
      { context },
    );
    await this.executeKw('stock.quant', 'action_apply_inventory', [[quantId]], { context });
  }

  async createAndConfirmSale(
    lines: Array<{ sku: string; qty: number }>,
    warehouseCode = 'WH',
  ): Promise<{ orderId: number; pickingIds: number[] }> {
    const [partnerId, warehouse, productIds] = await Promise.all([
      this.customer(),
      this.warehouseByCode(warehouseCode),
      Promise.all(lines.map((line) => this.productIdBySku(line.sku))),
    ]);
    const orderId = await this.executeKw<number>('sale.order', 'create', [
      {
        partner_id: partnerId,
        warehouse_id: warehouse.id,
        order_line: lines.map((line, i) => [0, 0, { product_id: productIds[i], product_uom_qty: line.qty }]),
      },
    ]);
    await this.executeKw('sale.order', 'action_confirm', [[orderId]]);
    const [order] = await this.executeKw<Array<{ picking_ids: number[] }>>(
      'sale.order',
      'read',
      [[orderId]],
      {
        fields: ['picking_ids'],
      },
    );
    return { orderId, pickingIds: order?.picking_ids ?? [] };
  }

  async validateDelivery(pickingId: number): Promise<void> {
    const result = await this.executeKw('stock.picking', 'button_validate', [[pickingId]], {
      context: { skip_sms: true },
    });
    if (result !== true)
      throw new Error(
        `stock.picking ${pickingId} was not validated; Odoo answered ${JSON.stringify(result)}`,
      );
  }

  async archiveProduct(sku: string): Promise<void> {
    await this.executeKw('product.product', 'write', [[await this.productIdBySku(sku)], { active: false }]);
  }

  /** The warehouse's quantities; both context keys are passed, since 16/17 read `warehouse` and 18/19 `warehouse_id`. */
  async quantities(
    sku: string,
    warehouseCode: string,
  ): Promise<{ qty_available: number; free_qty: number; virtual_available: number; outgoing_qty: number }> {
    const [productId, warehouse] = await Promise.all([
      this.productIdBySku(sku),
      this.warehouseByCode(warehouseCode),
    ]);
    const [row] = await this.executeKw<
      Array<{ qty_available: number; free_qty: number; virtual_available: number; outgoing_qty: number }>
    >('product.product', 'read', [[productId]], {
      fields: ['qty_available', 'free_qty', 'virtual_available', 'outgoing_qty'],
      context: { warehouse: warehouse.id, warehouse_id: warehouse.id, active_test: false },
    });
    if (!row) throw new Error(`product ${sku} could not be read`);
    const { qty_available, free_qty, virtual_available, outgoing_qty } = row;
    return { qty_available, free_qty, virtual_available, outgoing_qty };
  }

  private async customer(): Promise<number> {
    if (this.partnerId !== undefined) return this.partnerId;
    const email = 'stockbridge-test-customer@example.com';
    const found = await this.executeKw<number[]>('res.partner', 'search', [[['email', '=', email]]], {
      limit: 1,
    });
    this.partnerId =
      found[0] ?? (await this.executeKw<number>('res.partner', 'create', [{ name: 'Test Customer', email }]));
    return this.partnerId;
  }
}

async function jsonRpc(
  url: string,
  id: number,
  service: string,
  method: string,
  args: unknown[],
): Promise<unknown> {
  const response = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id, params: { service, method, args } }),
  });
  if (!response.ok)
    throw new Error(`Odoo ${url}/jsonrpc answered HTTP ${response.status}: ${await response.text()}`);
  const answer = (await response.json()) as JsonRpcAnswer;
  if (answer.error) {
    const name = typeof answer.error.data?.name === 'string' ? answer.error.data.name : 'unknown';
    const message =
      typeof answer.error.data?.message === 'string'
        ? answer.error.data.message
        : String(answer.error.message);
    throw new OdooRpcError(name, message, answer.error.data);
  }
  return answer.result; // absent when the method returned None
}
