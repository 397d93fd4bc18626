import {
  rpcError,
  rpcParams,
  rpcResult,
  startWireFixture,
  type WireFixture,
  type WireReply,
} from '../odoo/odoo-wire.fixture';

/**
 * Test fixture only: a tiny Odoo 17 over JSON-RPC on 127.0.0.1 for the capture specs. It stores rows with
 * write_date (whole seconds, as RPC shows them), evaluates prefix-notation domains, and computes quantities
 * per warehouse from a table, kits from their phantom BoM. The full simulator lives in test/simulators/odoo.
 */
type Row = Record<string, unknown> & { id: number };

export interface FakeOdoo {
  url: string;
  /** Seconds since epoch used as write_date for the next writes. */
  clock: { now: number };
  calls: Array<{ model: string; method: string; args: unknown[]; kwargs: Record<string, unknown> }>;
  tables: Map<string, Map<number, Row>>;
  /** productId → warehouseId → [onHand, free, forecast] */
  stock: Map<number, Map<number, [number, number, number]>>;
  write(model: string, id: number, vals: Record<string, unknown>, writeDate?: number): void;
  setStock(productId: number, warehouseId: number, onHand: number, free: number, forecast: number): void;
  failNext(reply: WireReply): void;
  /** Models the bot may not read (AccessError on everything but fields_get). */
  denied: Set<string>;
  close(): Promise<void>;
}

const fmt = (sec: number): string => new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
const m2oId = (v: unknown): unknown => (Array.isArray(v) ? (v as unknown[])[0] : v);

function matches(row: Row, domain: unknown[]): boolean {
  let i = 0;
  const term = (): boolean => {
    const t = domain[i++];
    if (t === '&') return [term(), term()].every(Boolean);
    if (t === '|') {
      const a = term();
      const b = term();
      return a || b;
    }
    if (t === '!') return !term();
    const [field, op, value] = t as [string, string, unknown];
    const v = field === 'id' ? row.id : m2oId(row[field]);
    switch (op) {
      case '=':
        return v === value;
      case '!=':
        return v !== value;
      case '>':
        return (v as number) > (value as number);
      case '>=':
        return (v as number) >= (value as number);
      case '<':
        return (v as number) < (value as number);
      case 'in':
        return (value as unknown[]).includes(v);
      default:
        throw new Error(`fake odoo: operator ${op}`);
    }
  };
  let ok = true;
  while (i < domain.length) ok = term() && ok; // implicit AND at top level
  return ok;
}

/** Odoo answers `false` for an empty field. */
function pick(row: Record<string, unknown>, id: number, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id };
  for (const f of fields) out[f] = row[f] ?? false;
  return out;
}

export async function startFakeOdoo(): Promise<FakeOdoo> {
  const tables = new Map<string, Map<number, Row>>();
  const stock = new Map<number, Map<number, [number, number, number]>>();
  const calls: FakeOdoo['calls'] = [];
  const clock = { now: Date.UTC(2025, 2, 1, 9, 0, 0) / 1000 };
  const failures: WireReply[] = [];
  const denied = new Set<string>();
  const table = (m: string): Map<number, Row> => tables.get(m) ?? tables.set(m, new Map()).get(m)!;

  const quantities = (productId: number, wh: number): [number, number, number] => {
    const bom = [...table('mrp.bom').values()].find(
      (b) => b['type'] === 'phantom' && b['active'] !== false && m2oId(b['product_id']) === productId,
    );
    if (!bom) return stock.get(productId)?.get(wh) ?? [0, 0, 0];
    const lines = [...table('mrp.bom.line').values()].filter((l) => m2oId(l['bom_id']) === bom.id);
    const kit = [0, 1, 2].map((k) =>
      Math.min(
        ...lines.map((l) =>
          Math.floor(quantities(m2oId(l['product_id']) as number, wh)[k]! / (l['product_qty'] as number)),
        ),
      ),
    );
    return kit as [number, number, number];
  };

  const execute = (
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown => {
    const ctx = (kwargs['context'] ?? {}) as Record<string, unknown>;
    const activeTest = ctx['active_test'] !== false;
    switch (method) {
      case 'fields_get': {
        if (model.startsWith('mrp.') && !tables.has('mrp.bom'))
          throw new Error(`Object ${model} doesn't exist`);
        return {
          qty_available: {},
          free_qty: {},
          virtual_available: {},
          detailed_type: {},
          type: {},
          id: {},
        };
      }
      case 'search_read': {
        const domain = (args[0] ?? []) as unknown[];
        let rows = [...table(model).values()].filter(
          (r) => matches(r, domain) && (!activeTest || !('active' in r) || r['active'] !== false),
        );
        const order = typeof kwargs['order'] === 'string' ? kwargs['order'] : 'id asc';
        const desc = order.includes('desc');
        rows.sort((a, b) =>
          order.startsWith('write_date')
            ? String(a['write_date']).localeCompare(String(b['write_date'])) || a.id - b.id
            : a.id - b.id,
        );
        if (desc) rows.reverse();
        if (typeof kwargs['limit'] === 'number') rows = rows.slice(0, kwargs['limit']);
        const fields = (kwargs['fields'] ?? []) as string[];
        return rows.map((r) => pick(r, r.id, fields));
      }
      case 'read': {
        const [ids, fields] = args as [number[], string[]];
        const wh = (ctx['warehouse_id'] ?? ctx['warehouse']) as number;
        return ids
          .filter((id) => table(model).has(id))
          .map((id) => {
            const r = table(model).get(id)!;
            const [onHand, free, forecast] = quantities(id, wh);
            const all: Record<string, unknown> = {
              ...r,
              qty_available: onHand,
              free_qty: free,
              virtual_available: forecast,
            };
            return pick(all, id, fields);
          });
      }
      default:
        throw new Error(`fake odoo: method ${method}`);
    }
  };

  const wire: WireFixture = await startWireFixture((req) => {
    if (req.path === '/web/version') return { status: 404, text: 'Not Found' };
    const { service, method, args } = rpcParams(req);
    if (service === 'common' && method === 'version') {
      return rpcResult({
        server_version: '17.0',
        server_version_info: [17, 0, 0, 'final', 0, ''],
        server_serie: '17.0',
      });
    }
    if (service === 'common' && method === 'authenticate') return rpcResult(args[2] === 'key' ? 2 : false);
    const [, , key, model, m, a, kw] = args as [
      string,
      number,
      string,
      string,
      string,
      unknown[],
      Record<string, unknown>,
    ];
    calls.push({ model, method: m, args: a, kwargs: kw });
    const failure = failures.shift();
    if (failure) return failure;
    if (key !== 'key') return rpcError('odoo.exceptions.AccessDenied', 'Access Denied');
    if (denied.has(model) && m !== 'fields_get') {
      return rpcError('odoo.exceptions.AccessError', `You are not allowed to access '${model}' records.`);
    }
    try {
      return rpcResult(execute(model, m, a, kw));
    } catch (err) {
      return rpcError('odoo.exceptions.UserError', (err as Error).message);
    }
  });

  return {
    url: wire.url,
    clock,
    calls,
    tables,
    stock,
    write(model, id, vals, writeDate) {
      const t = table(model);
      t.set(id, {
        ...(t.get(id) ?? { id, active: true }),
        ...vals,
        id,
        write_date: fmt(writeDate ?? clock.now),
      });
    },
    setStock(productId, warehouseId, onHand, free, forecast) {
      const m = stock.get(productId) ?? stock.set(productId, new Map()).get(productId)!;
      m.set(warehouseId, [onHand, free, forecast]);
    },
    failNext(reply) {
      failures.push(reply);
    },
    denied,
    close: () => wire.close(),
  };
}
