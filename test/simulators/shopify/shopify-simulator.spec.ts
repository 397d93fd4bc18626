import {
  INVALID_TOKEN_MESSAGE,
  startShopifySimulator,
  type ShopifySimulator,
  type ShopifySimulatorOptions,
} from './shopify-simulator';

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, unknown>; errors?: unknown; extensions?: { cost: Cost } };
}

async function post(
  sim: ShopifySimulator,
  body: unknown,
  opts: { version?: string; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = opts.token === undefined ? sim.accessToken : opts.token;
  if (token !== null) headers['X-Shopify-Access-Token'] = token;
  const res = await fetch(`${sim.url}/admin/api/${opts.version ?? '2026-04'}/graphql.json`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    // HTML error pages stay in `text`
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

const SELECTION = `{
    inventoryAdjustmentGroup { id reason referenceDocumentUri changes(quantityNames: ["available"]) { name delta quantityAfterChange item { id } } }
    userErrors { code field message }
  }`;
const setDoc = (key?: string): string =>
  `mutation Set($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input)${key === undefined ? '' : ` @idempotent(key: "${key}")`} ${SELECTION} }`;

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Row {
  item: string;
  q: number;
  from?: number | null;
  location?: string;
}

describe('Shopify simulator', () => {
  let sim: ShopifySimulator;
  let now: number;
  const start = async (options: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> => {
    now = Date.parse('2026-11-29T10:00:00Z');
    sim = await startShopifySimulator({ clock: () => now, ...options });
    return sim;
  };
  const input = (rows: Row[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: 'available',
    reason: 'correction',
    referenceDocumentUri: 'gid://stockbridge/StockPush/t1',
    quantities: rows.map((r) => ({
      inventoryItemId: r.item,
      locationId: r.location ?? sim.locationId,
      quantity: r.q,
      changeFromQuantity: r.from ?? null,
    })),
    ...extra,
  });
  const setQuantities = (rows: Row[], key = 'key-1', extra: Record<string, unknown> = {}): Promise<Answer> =>
    post(sim, { query: setDoc(key), variables: { input: input(rows, extra) } });

  afterEach(async () => {
    await sim?.close();
  });

  describe('auth and versions', () => {
    beforeEach(() => start());

    it('answers a bad or missing token with Shopify 401 text', async () => {
      for (const token of ['shpat_wrong', null]) {
        const a = await post(sim, { query: '{ shop { name } }' }, { token });
        expect(a.status).toBe(401);
        expect(a.body).toEqual({ errors: INVALID_TOKEN_MESSAGE });
      }
    });

    it('serves a supported version, falls forward from a retired one, 404s an unknown one', async () => {
      const current = await post(sim, { query: '{ shop { name } }' }, { version: '2026-04' });
      expect(current.status).toBe(200);
      expect(current.headers.get('x-shopify-api-version')).toBe('2026-04');
      expect(current.body.data).toEqual({ shop: { name: 'stockbridge-test' } });

      const retired = await post(sim, { query: '{ shop { name } }' }, { version: '2024-01' });
      expect(retired.status).toBe(200);
      expect(retired.headers.get('x-shopify-api-version')).toBe('2025-10'); // the oldest supported one

      for (const version of ['2026-05', 'latest', '2099-01']) {
        const unknown = await post(sim, { query: '{ shop { name } }' }, { version });
        expect([version, unknown.status, unknown.body]).toEqual([version, 404, { errors: 'Not Found' }]);
      }
    });

    it('rejects a body without a query like Shopify (400)', async () => {
      const a = await post(sim, 'not json');
      expect(a.status).toBe(400);
      expect(a.body).toEqual({ errors: { query: 'Required parameter missing or invalid' } });
    });

    it('reports parse and schema errors with locations and paths, uncharged', async () => {
      const parse = await post(sim, { query: '{ shop { name }' });
      expect(parse.body.errors).toEqual([
        { message: expect.stringContaining('Parse error on end of file'), locations: [expect.any(Object)] },
      ]);
      const unknown = await post(sim, { query: 'query Q { shop { nope } }' });
      expect(unknown.body.errors).toEqual([
        expect.objectContaining({
          message: "Field 'nope' doesn't exist on type 'Shop'",
          path: ['query Q', 'shop', 'nope'],
          extensions: { code: 'undefinedField', typeName: 'Shop', fieldName: 'nope' },
        }),
      ]);
      expect(unknown.body.data).toBeUndefined();
      expect(unknown.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(2000);
    });
  });

  describe('inventorySetQuantities (2026-04)', () => {
    let a: string, b: string;
    beforeEach(async () => {
      await start();
      a = sim.addItem('SKU-A', 2);
      b = sim.addItem('SKU-B', 5);
    });

    it('sets absolute quantities, records history, answers with the adjustment group and its cost', async () => {
      const res = await setQuantities([
        { item: a, q: 42 },
        { item: b, q: 0, from: 5 },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        inventorySetQuantities: {
          inventoryAdjustmentGroup: {
            id: expect.stringMatching(/^gid:\/\/shopify\/InventoryAdjustmentGroup\/\d+$/),
            reason: 'correction',
            referenceDocumentUri: 'gid://stockbridge/StockPush/t1',
            changes: [
              { name: 'available', delta: 40, quantityAfterChange: 42, item: { id: a } },
              { name: 'available', delta: -5, quantityAfterChange: 0, item: { id: b } },
            ],
          },
          userErrors: [],
        },
      });
      expect(res.body.extensions?.cost).toEqual({
        requestedQueryCost: 10,
        actualQueryCost: 10,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1990, restoreRate: 100 },
      });
      expect([sim.quantityOf(a), sim.quantityOf(b)]).toEqual([42, 0]);
      expect(sim.history(a)).toEqual([42]);
      sim.setQuantity(a, 7); // a merchant's edit is not an API write
      expect([sim.quantityOf(a), sim.history(a)]).toEqual([7, [42]]);
    });

    it('applies nothing when any row is bad, and names every bad row by its index', async () => {
      const notStocked = sim.addItem('SKU-C', 1, { stockedAtLocation: false });
      const d = sim.addItem('SKU-D', 4);
      const res = await setQuantities([
        { item: a, q: 10 },
        { item: 'gid://shopify/InventoryItem/999', q: 1 },
        { item: notStocked, q: 1 },
        { item: b, q: -1 },
        { item: a, q: 11 },
        { item: d, q: 3, from: 3 },
        { item: d, q: 3, location: 'gid://shopify/Location/1' },
      ]);
      const payload = res.body.data?.['inventorySetQuantities'];
      expect(payload).toEqual({
        inventoryAdjustmentGroup: null,
        userErrors: [
          {
            code: 'INVALID_INVENTORY_ITEM',
            field: ['input', 'quantities', '1', 'inventoryItemId'],
            message: expect.any(String),
          },
          {
            code: 'ITEM_NOT_STOCKED_AT_LOCATION',
            field: ['input', 'quantities', '2', 'locationId'],
            message: expect.any(String),
          },
          {
            code: 'INVALID_QUANTITY_NEGATIVE',
            field: ['input', 'quantities', '3', 'quantity'],
            message: "The quantity can't be negative.",
          },
          {
            code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
            field: ['input', 'quantities', '4'],
            message: expect.any(String),
          },
          {
            code: 'CHANGE_FROM_QUANTITY_STALE',
            field: ['input', 'quantities', '5', 'changeFromQuantity'],
            message: expect.any(String),
          },
          {
            code: 'INVALID_LOCATION',
            field: ['input', 'quantities', '6', 'locationId'],
            message: expect.any(String),
          },
        ],
      });
      expect([sim.quantityOf(a), sim.quantityOf(b), sim.history(a)]).toEqual([2, 5, []]);
    });

    it('checks the quantity name and the reason', async () => {
      const res = await setQuantities([{ item: a, q: 1 }], 'k', { name: 'committed', reason: 'because' });
      expect(res.body.data?.['inventorySetQuantities']).toMatchObject({
        userErrors: [
          { code: 'INVALID_NAME', field: ['input', 'name'] },
          { code: 'INVALID_REASON', field: ['input', 'reason'] },
        ],
      });
    });

    it('sets on_hand too: available moves by the same delta', async () => {
      const res = await setQuantities([{ item: a, q: 9 }], 'k', { name: 'on_hand' });
      expect(res.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      expect(sim.quantityOf(a)).toBe(9);
    });

    it('refuses a mutation without @idempotent or without changeFromQuantity on a row (runtime errors)', async () => {
      const noKey = await post(sim, { query: setDoc(), variables: { input: input([{ item: a, q: 1 }]) } });
      expect(noKey.body).toMatchObject({
        data: { inventorySetQuantities: null },
        errors: [
          {
            message: expect.stringContaining('@idempotent'),
            path: ['inventorySetQuantities'],
            extensions: { code: 'IDEMPOTENCY_KEY_REQUIRED' },
          },
        ],
      });
      const rows = input([
        { item: a, q: 1 },
        { item: b, q: 2 },
      ]);
      delete (rows['quantities'] as Array<Record<string, unknown>>)[1]?.['changeFromQuantity'];
      const noFrom = await post(sim, { query: setDoc('k2'), variables: { input: rows } });
      expect(noFrom.body).toMatchObject({
        data: { inventorySetQuantities: null },
        errors: [
          {
            message: expect.stringContaining('input.quantities.1'),
            extensions: { code: 'CHANGE_FROM_QUANTITY_REQUIRED' },
          },
        ],
      });
      expect([sim.quantityOf(a), sim.quantityOf(b)]).toEqual([2, 5]);
    });

    it('rejects the removed compare fields and missing required fields as invalid variables, uncharged', async () => {
      const res = await setQuantities([{ item: a, q: 1 }], 'k', {
        ignoreCompareQuantity: true,
        reason: undefined,
      });
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(
            /^Variable \$input of type InventorySetQuantitiesInput! was provided invalid value for /,
          ),
          extensions: {
            value: expect.any(Object),
            problems: [
              {
                path: ['ignoreCompareQuantity'],
                explanation: 'Field is not defined on InventorySetQuantitiesInput',
              },
              { path: ['reason'], explanation: 'Expected value to not be null' },
            ],
          },
        }),
      ]);
      expect(res.body.data).toBeUndefined();
      expect(res.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(2000);
    });

    it('caps the input array at 250 quantities', async () => {
      const rows = Array.from({ length: 251 }, (_, i) => ({
        item: `gid://shopify/InventoryItem/${i + 1}`,
        q: 1,
      }));
      const res = await setQuantities(rows);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'The input array size of 251 is greater than the maximum allowed of 250.',
          extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
        }),
      ]);
    });

    it('replays the original result for the same key and parameters, without applying twice', async () => {
      const first = await setQuantities([{ item: a, q: 30 }], 'same-key');
      sim.setQuantity(a, 12); // a merchant edit in between must not be overwritten by the replay
      const again = await setQuantities([{ item: a, q: 30 }], 'same-key');
      expect(again.body.data).toEqual(first.body.data);
      expect([sim.quantityOf(a), sim.history(a)]).toEqual([12, [30]]);
    });

    it('refuses the same key with other parameters (IDEMPOTENCY_KEY_PARAMETER_MISMATCH)', async () => {
      await setQuantities([{ item: a, q: 30 }], 'same-key');
      const other = await setQuantities([{ item: a, q: 31 }], 'same-key');
      expect(other.body.data?.['inventorySetQuantities']).toEqual({
        inventoryAdjustmentGroup: null,
        userErrors: [
          { code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', field: null, message: expect.any(String) },
        ],
      });
      expect(sim.history(a)).toEqual([30]);
    });

    it('answers IDEMPOTENCY_CONCURRENT_REQUEST while the same key is still in flight', async () => {
      sim.setLatency(400); // the first answer is held; its key stays in flight meanwhile
      const first = setQuantities([{ item: a, q: 8 }], 'busy');
      await waitFor(() => sim.history(a).length === 1);
      const second = await setQuantities([{ item: a, q: 8 }], 'busy');
      expect(second.body.data?.['inventorySetQuantities']).toMatchObject({
        userErrors: [{ code: 'IDEMPOTENCY_CONCURRENT_REQUEST', field: null }],
      });
      expect((await first).body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      expect(sim.history(a)).toEqual([8]);
    });

    it('denies the mutation without write_inventory (ACCESS_DENIED)', async () => {
      await sim.close();
      await start({ scopes: ['read_inventory'] });
      const item = sim.addItem('X', 1);
      const res = await setQuantities([{ item, q: 2 }]);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'ACCESS_DENIED' }) }),
      ]);
      expect(sim.quantityOf(item)).toBe(1);
    });
  });

  describe('older versions', () => {
    let a: string;
    beforeEach(async () => {
      await start();
      a = sim.addItem('SKU-A', 2);
    });
    const legacyInput = (
      extra: Record<string, unknown>,
      row: Record<string, unknown> = {},
    ): Record<string, unknown> => ({
      name: 'available',
      reason: 'correction',
      quantities: [{ inventoryItemId: a, locationId: sim.locationId, quantity: 4, ...row }],
      ...extra,
    });

    it('2025-10: ignoreCompareQuantity or compareQuantity; no changeFromQuantity, no @idempotent', async () => {
      const ok = await post(
        sim,
        { query: setDoc(), variables: { input: legacyInput({ ignoreCompareQuantity: true }) } },
        { version: '2025-10' },
      );
      expect(ok.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      expect(sim.quantityOf(a)).toBe(4);

      const required = await post(
        sim,
        { query: setDoc(), variables: { input: legacyInput({}) } },
        { version: '2025-10' },
      );
      expect(required.body.data?.['inventorySetQuantities']).toMatchObject({
        userErrors: [
          { code: 'COMPARE_QUANTITY_REQUIRED', field: ['input', 'quantities', '0', 'compareQuantity'] },
        ],
      });
      const stale = await post(
        sim,
        { query: setDoc(), variables: { input: legacyInput({}, { compareQuantity: 3 }) } },
        { version: '2025-10' },
      );
      expect(stale.body.data?.['inventorySetQuantities']).toMatchObject({
        userErrors: [{ code: 'COMPARE_QUANTITY_STALE' }],
      });

      const directive = await post(
        sim,
        { query: setDoc('k'), variables: { input: legacyInput({ ignoreCompareQuantity: true }) } },
        { version: '2025-10' },
      );
      expect(directive.body.errors).toEqual([
        expect.objectContaining({
          message: 'Directive @idempotent is not defined',
          extensions: { code: 'undefinedDirective', directiveName: 'idempotent' },
        }),
      ]);
      const changeFrom = await post(
        sim,
        {
          query: setDoc(),
          variables: { input: legacyInput({ ignoreCompareQuantity: true }, { changeFromQuantity: null }) },
        },
        { version: '2025-10' },
      );
      expect(changeFrom.body.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({
            problems: [
              {
                path: ['quantities', 0, 'changeFromQuantity'],
                explanation: 'Field is not defined on InventoryQuantityInput',
              },
            ],
          }),
        }),
      ]);
    });

    it('2026-01: changeFromQuantity overrides the compare fields; @idempotent optional', async () => {
      const res = await post(
        sim,
        {
          query: setDoc(),
          variables: { input: legacyInput({}, { changeFromQuantity: null, compareQuantity: 99 }) },
        },
        { version: '2026-01' },
      );
      expect(res.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      const keyed = await post(
        sim,
        { query: setDoc('k'), variables: { input: legacyInput({}, { quantity: 6, changeFromQuantity: 4 }) } },
        { version: '2026-01' },
      );
      expect(keyed.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      expect(sim.history(a)).toEqual([4, 6]);
    });
  });

  describe('reading levels and finding SKUs', () => {
    let a: string, b: string, hidden: string;
    beforeEach(async () => {
      await start();
      a = sim.addItem('SKU A "1"', 3);
      b = sim.addItem('SKU-B', 0, { tracked: false });
      hidden = sim.addItem('SKU-C', 1, { stockedAtLocation: false });
    });

    it('reads one item and many nodes; unknown ids are null, unstocked levels are null', async () => {
      const one = await post(sim, {
        query: `query($item: ID!, $loc: ID!) { inventoryItem(id: $item) { id sku tracked
          inventoryLevel(locationId: $loc) { quantities(names: ["available","on_hand","committed"]) { name quantity } } } }`,
        variables: { item: a, loc: sim.locationId },
      });
      expect(one.body.data).toEqual({
        inventoryItem: {
          id: a,
          sku: 'SKU A "1"',
          tracked: true,
          inventoryLevel: {
            quantities: [
              { name: 'available', quantity: 3 },
              { name: 'on_hand', quantity: 3 },
              { name: 'committed', quantity: 0 },
            ],
          },
        },
      });
      const many = await post(sim, {
        query: `query($ids: [ID!]!, $loc: ID!) { nodes(ids: $ids) { __typename ... on InventoryItem { id inventoryLevel(locationId: $loc) { quantities(names: ["available"]) { quantity } } } } }`,
        variables: { ids: [a, 'gid://shopify/InventoryItem/1', hidden], loc: sim.locationId },
      });
      expect(many.body.data).toEqual({
        nodes: [
          { __typename: 'InventoryItem', id: a, inventoryLevel: { quantities: [{ quantity: 3 }] } },
          null,
          { __typename: 'InventoryItem', id: hidden, inventoryLevel: null },
        ],
      });
      // 3 ids × (item 1 + level 1 + 1 quantity): requested 9; actual counts what came back (3 + 0 + 1)
      expect(many.body.extensions?.cost).toMatchObject({ requestedQueryCost: 9, actualQueryCost: 4 });
    });

    it('finds items by quoted SKU terms, pages with cursors, and refunds unused connection cost', async () => {
      const query = `query($q: String!, $after: String) { inventoryItems(first: 1, after: $after, query: $q) {
        pageInfo { hasNextPage endCursor } nodes { id sku tracked } } }`;
      const q = 'sku:"SKU A \\"1\\"" OR sku:SKU-B OR sku:NOPE';
      const first = await post(sim, { query, variables: { q } });
      const conn = first.body.data?.['inventoryItems'] as {
        pageInfo: { hasNextPage: boolean; endCursor: string };
        nodes: unknown[];
      };
      expect(conn.nodes).toEqual([{ id: a, sku: 'SKU A "1"', tracked: true }]);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      const second = await post(sim, { query, variables: { q, after: conn.pageInfo.endCursor } });
      expect(second.body.data?.['inventoryItems']).toEqual({
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
        nodes: [{ id: b, sku: 'SKU-B', tracked: false }],
      });

      const wide = await post(sim, {
        query: '{ inventoryItems(first: 100, query: "sku:SKU-B") { edges { node { id } } } }',
      });
      expect(wide.body.extensions?.cost).toMatchObject({ requestedQueryCost: 102, actualQueryCost: 3 });
      expect(wide.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(2000 - 3 - 3 - 3); // 2 + 1 item each, refunded
    });

    it('needs first or last on a connection', async () => {
      const res = await post(sim, { query: '{ inventoryItems(query: "sku:X") { nodes { id } } }' });
      expect(res.body.errors).toEqual([
        expect.objectContaining({ message: 'you must provide one of first or last' }),
      ]);
    });
  });

  describe('cost-based throttling', () => {
    it('charges the requested cost up front and answers THROTTLED (HTTP 200) when the bucket lacks it', async () => {
      await start({ bucket: { maximumAvailable: 25, restoreRate: 5 } });
      const item = sim.addItem('A', 0);
      const costs: Cost[] = [];
      for (let i = 0; i < 2; i++)
        costs.push((await setQuantities([{ item, q: i }], `k${i}`)).body.extensions!.cost);
      expect(costs.map((c) => c.throttleStatus.currentlyAvailable)).toEqual([15, 5]);

      const throttled = await setQuantities([{ item, q: 9 }], 'k9');
      expect(throttled.status).toBe(200);
      expect(throttled.body).toEqual({
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: {
          cost: {
            requestedQueryCost: 10,
            actualQueryCost: null,
            throttleStatus: { maximumAvailable: 25, currentlyAvailable: 5, restoreRate: 5 },
          },
        },
      });
      expect(sim.quantityOf(item)).toBe(1);

      now += 1000; // (10 - 5) / 5 points per second = 1 s
      const after = await setQuantities([{ item, q: 9 }], 'k9');
      expect(after.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(0);
      expect(sim.quantityOf(item)).toBe(9);
      now += 60_000;
      expect(sim.throttleStatus().currentlyAvailable).toBe(25); // never above the bucket
      expect(sim.calls().map((c) => c.throttled)).toEqual([false, false, true, false]);
    });

    it('keeps one bucket per plan restore rate (Plus: 1000 points/s, bucket 20000)', async () => {
      await start({ plan: 'plus' });
      expect(sim.throttleStatus()).toEqual({
        maximumAvailable: 20000,
        currentlyAvailable: 20000,
        restoreRate: 1000,
      });
    });

    it('refuses a single query above 1000 points (MAX_COST_EXCEEDED) without charging it', async () => {
      await start();
      const res = await post(sim, {
        query: `query($loc: ID!) { inventoryItems(first: 250) { nodes { id inventoryLevel(locationId: $loc) {
          quantities(names: ["available", "on_hand", "committed"]) { quantity } } } } }`,
        variables: { loc: sim.locationId },
      });
      expect(res.body).toEqual({
        errors: [
          {
            message: expect.stringMatching(
              /^Query cost is 1252, which exceeds the single query max cost limit \(1000\)/,
            ),
            extensions: { code: 'MAX_COST_EXCEEDED', cost: 1252, maxCost: 1000 },
          },
        ],
        extensions: {
          cost: {
            requestedQueryCost: 1252,
            actualQueryCost: null,
            throttleStatus: expect.objectContaining({ currentlyAvailable: 2000 }),
          },
        },
      });
    });
  });

  describe('fault switches', () => {
    beforeEach(() => start());

    it('answers 429 with Retry-After for `count` requests, then recovers', async () => {
      sim.injectFaults({ status: 429, retryAfterSec: 3, count: 1 });
      const limited = await post(sim, { query: '{ shop { name } }' });
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3.0']);
      expect(limited.body).toEqual({ errors: expect.stringContaining('Exceeded 2 calls per second') });
      expect((await post(sim, { query: '{ shop { name } }' })).status).toBe(200);
      expect(sim.calls().map((c) => [c.operation, c.status, c.throttled])).toEqual([
        ['shop', 429, true],
        ['shop', 200, false],
      ]);
    });

    it('answers 5xx with an HTML page (502, 503) or JSON (500) until cleared', async () => {
      sim.injectFaults({ status: 502 });
      const bad = await post(sim, { query: '{ shop { name } }' });
      expect([bad.status, bad.headers.get('content-type')]).toEqual([502, 'text/html; charset=utf-8']);
      expect(bad.text).toContain('502 Bad Gateway');
      expect((await post(sim, { query: '{ shop { name } }' })).status).toBe(502);
      sim.injectFaults({ status: 500, count: 1 });
      const internal = await post(sim, { query: '{ shop { name } }' });
      expect([internal.status, internal.body]).toEqual([500, { errors: 'Internal Server Error' }]);
      sim.clearFaults();
      expect((await post(sim, { query: '{ shop { name } }' })).status).toBe(200);
    });

    it('holds a request without answering (timeout), or does the work and loses the answer (after-apply)', async () => {
      const item = sim.addItem('A', 1);
      sim.injectFaults({ timeout: true, count: 1 });
      await expect(
        fetch(`${sim.url}/admin/api/2026-04/graphql.json`, {
          method: 'POST',
          headers: { 'X-Shopify-Access-Token': sim.accessToken, 'Content-Type': 'application/json' },
          body: JSON.stringify({ query: setDoc('t1'), variables: { input: input([{ item, q: 5 }]) } }),
          signal: AbortSignal.timeout(100),
        }),
      ).rejects.toThrow();
      expect(sim.quantityOf(item)).toBe(1);

      sim.injectFaults({ timeout: 'after-apply', count: 1 });
      await expect(
        fetch(`${sim.url}/admin/api/2026-04/graphql.json`, {
          method: 'POST',
          headers: { 'X-Shopify-Access-Token': sim.accessToken, 'Content-Type': 'application/json' },
          body: JSON.stringify({ query: setDoc('t2'), variables: { input: input([{ item, q: 6 }]) } }),
          signal: AbortSignal.timeout(400),
        }),
      ).rejects.toThrow();
      expect(sim.quantityOf(item)).toBe(6);
      // the client retries with the same key: the lost answer is replayed, nothing applied twice
      await waitFor(() => sim.calls().length === 2); // the server saw the client go
      const retry = await setQuantities([{ item, q: 6 }], 't2');
      expect(retry.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
      expect(sim.history(item)).toEqual([6]);
      expect(sim.calls().map((c) => [c.operation, c.status, c.items])).toEqual([
        ['inventorySetQuantities', 0, 1],
        ['inventorySetQuantities', 0, 1],
        ['inventorySetQuantities', 200, 1],
      ]);
    });

    it('delays answers by the injected delay and the set latency', async () => {
      sim.injectFaults({ delayMs: 80, count: 1 });
      let t = Date.now();
      await post(sim, { query: '{ shop { name } }' });
      expect(Date.now() - t).toBeGreaterThanOrEqual(75);
      sim.setLatency(60);
      t = Date.now();
      await post(sim, { query: '{ shop { name } }' });
      expect(Date.now() - t).toBeGreaterThanOrEqual(55);
    });
  });
});
