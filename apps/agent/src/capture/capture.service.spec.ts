import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLevelsFrame, type LevelEventV1 } from '@stockbridge/shared';
import { OdooClient } from '../odoo/odoo.client';
import { OdooError } from '../odoo/odoo-error';
import { rpcError } from '../odoo/odoo-wire.fixture';
import { StateStore } from './capture-state.store';
import { CaptureService, type CaptureLogger, type CycleReport } from './capture.service';
import { startFakeOdoo, type FakeOdoo } from './fake-odoo.fixture';
import type { LevelSink } from './level-sink';

const MUG = 10;
const SOCKS = 11;
const KIT = 12;
const SERVICE = 13;
const WH = 1;
const WH2 = 2;

function seed(odoo: FakeOdoo): void {
  odoo.write('stock.warehouse', WH, { code: 'WH', company_id: [1, 'My Company'] });
  odoo.write('stock.warehouse', WH2, { code: 'WH2', company_id: [1, 'My Company'] });
  const product = (id: number, sku: string, type = 'product'): void => {
    odoo.write('product.template', id + 90, { detailed_type: type });
    odoo.write('product.product', id, {
      default_code: sku,
      barcode: false,
      product_tmpl_id: [id + 90, sku],
      detailed_type: type,
    });
  };
  product(MUG, 'MUG-BLUE');
  product(SOCKS, 'SOCKS');
  product(KIT, 'GIFT-SET');
  product(SERVICE, 'SETUP', 'service');
  odoo.write('mrp.bom', 1, {
    type: 'phantom',
    product_id: [KIT, 'GIFT-SET'],
    product_tmpl_id: [KIT + 90, 'x'],
  });
  odoo.write('mrp.bom.line', 1, { bom_id: [1, 'GIFT-SET'], product_id: [MUG, 'MUG-BLUE'], product_qty: 1 });
  odoo.write('mrp.bom.line', 2, { bom_id: [1, 'GIFT-SET'], product_id: [SOCKS, 'SOCKS'], product_qty: 2 });
  odoo.setStock(MUG, WH, 10, 10, 10);
  odoo.setStock(SOCKS, WH, 20, 20, 20);
  odoo.setStock(MUG, WH2, 3, 3, 3);
}

/** An inventory adjustment as Odoo does it: a done move and a written quant, product.product untouched. */
function adjust(odoo: FakeOdoo, moveId: number, productId: number, wh: number, qty: number): void {
  odoo.setStock(productId, wh, qty, qty, qty);
  odoo.write('stock.move', moveId, { product_id: [productId, 'x'], state: 'done', product_uom_qty: qty });
  odoo.write('stock.quant', moveId, { product_id: [productId, 'x'], quantity: qty, reserved_quantity: 0 });
}

class MemorySink implements LevelSink {
  events: LevelEventV1[] = [];
  failWith: Error | null = null;
  async publish(events: LevelEventV1[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.events.push(...events);
  }
  take(): LevelEventV1[] {
    return this.events.splice(0);
  }
}

class MemoryLogger implements CaptureLogger {
  lines: Array<{ level: string; msg: string; obj: object }> = [];
  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', msg, obj });
  }
  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', msg, obj });
  }
}

const brief = (e: LevelEventV1) => ({
  productId: e.productId,
  warehouse: e.warehouse,
  onHand: e.onHand,
  free: e.free,
  active: e.active,
});

describe('CaptureService against a JSON-RPC Odoo 17', () => {
  let odoo: FakeOdoo;
  let dir: string;
  let sink: MemorySink;
  let logger: MemoryLogger;
  let state: StateStore;

  const connect = () =>
    OdooClient.connect({ url: odoo.url, db: 'prod', user: 'bot', apiKey: 'key', retry: { attempts: 1 } });
  const services: CaptureService[] = [];
  const track = (s: CaptureService): CaptureService => (services.push(s), s);
  const service = (overrides: Partial<ConstructorParameters<typeof CaptureService>[3]> = {}) =>
    track(new CaptureService(connect, sink, state, { pollIntervalMs: 50, logger, ...overrides }));

  /** First poll: publishes the seed (recent rows within the overlap), then forget those events. */
  const baseline = async (capture: CaptureService): Promise<void> => {
    await capture.pollOnce();
    sink.take();
  };

  beforeEach(async () => {
    odoo = await startFakeOdoo();
    seed(odoo);
    odoo.clock.now += 3600; // seed is an hour old: outside the overlap window
    dir = await mkdtemp(join(tmpdir(), 'capture-'));
    sink = new MemorySink();
    logger = new MemoryLogger();
    state = await StateStore.open(dir);
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop()));
    await odoo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes every product on the first poll, then only what an adjustment changed, as valid events', async () => {
    const capture = service();
    // Empty state: the first poll publishes every active product in every warehouse, then only changes.
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 8, dirtyProducts: 4 });
    expect(logger.lines.map((l) => l.msg)).toContain(
      'first poll: published the levels of all 4 active products; from now on only changes',
    );
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 0 });
    sink.take();
    adjust(odoo, 100, MUG, WH, 7);
    const result = await capture.pollOnce();
    const events = sink.take();
    // MUG and the kit that contains it (MUG 7, SOCKS 20 → 7 kits), only in WH: WH2 did not change.
    expect(events.map(brief)).toEqual([
      { productId: MUG, warehouse: 'WH', onHand: 7, free: 7, active: true },
      { productId: KIT, warehouse: 'WH', onHand: 7, free: 7, active: true },
    ]);
    expect(result).toEqual({ changedLevels: 2, dirtyProducts: 2 });
    expect(parseLevelsFrame({ frameId: 'f', events }).ok).toBe(true);
    const [first] = events;
    expect(first).toMatchObject({ sku: 'MUG-BLUE', barcode: null, forecast: 7 });
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(1);
    expect(first?.correlationId).toMatch(/^poll-[0-9a-f-]{36}$/);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
    const versions = events.map((e) => e.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(versions[0]).toBeGreaterThanOrEqual(Date.now() * 1000 - 60_000_000);
    expect(capture.status).toMatchObject({ odooVersion: '17.0', lastError: null });
    expect(capture.status.lastSuccessAt).toBeInstanceOf(Date);
  });

  it('reads quantities per warehouse with both context keys, the company pinned, and only changed levels', async () => {
    const capture = service();
    await baseline(capture);
    odoo.calls.length = 0;
    adjust(odoo, 100, MUG, WH, 7);
    await capture.pollOnce();
    const reads = odoo.calls.filter((c) => c.method === 'read' && c.model === 'product.product');
    expect(reads.map((c) => c.kwargs['context'])).toEqual([
      { warehouse: WH, warehouse_id: WH, active_test: false, allowed_company_ids: [1] },
      { warehouse: WH2, warehouse_id: WH2, active_test: false, allowed_company_ids: [1] },
    ]);
    expect(reads[0]?.args).toEqual([
      [MUG, KIT],
      [
        'default_code',
        'barcode',
        'active',
        'qty_available',
        'free_qty',
        'virtual_available',
        'detailed_type',
      ],
    ]);
    sink.take();
    // Same quantity again (a new move, counted but unchanged): nothing to publish.
    odoo.clock.now += 5;
    adjust(odoo, 101, MUG, WH, 7);
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 2 });
    // Odoo's own rows in the overlap window are not handled twice.
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 0 });
    expect(sink.events).toEqual([]);
  });

  it('sends archived, deleted and non-storable products as inactive zeros', async () => {
    const capture = service();
    await baseline(capture);
    adjust(odoo, 100, SOCKS, WH, 4);
    await capture.pollOnce();
    sink.take();
    odoo.clock.now += 2;
    odoo.write('product.product', SOCKS, { active: false });
    // 16/17: the type lives on the template; the variant row is not written when it changes.
    odoo.tables.get('product.product')!.get(MUG)!['detailed_type'] = 'consu';
    odoo.write('product.template', MUG + 90, { detailed_type: 'consu' });
    await capture.pollOnce();
    const events = sink.take();
    expect(events.filter((e) => e.productId === SOCKS).map(brief)).toEqual([
      { productId: SOCKS, warehouse: 'WH', onHand: 0, free: 0, active: false },
      { productId: SOCKS, warehouse: 'WH2', onHand: 0, free: 0, active: false },
    ]);
    expect(events.filter((e) => e.productId === MUG).map(brief)).toEqual([
      { productId: MUG, warehouse: 'WH', onHand: 0, free: 0, active: false },
      { productId: MUG, warehouse: 'WH2', onHand: 0, free: 0, active: false },
    ]);
    odoo.clock.now += 2;
    odoo.tables.get('product.product')!.delete(KIT); // deleted: read() skips it
    odoo.write('stock.move', 102, { product_id: [KIT, 'x'], state: 'cancel' });
    await capture.pollOnce();
    expect(sink.take().map((e) => ({ ...brief(e), sku: e.sku }))).toEqual([
      { productId: KIT, warehouse: 'WH', onHand: 0, free: 0, active: false, sku: 'GIFT-SET' },
      { productId: KIT, warehouse: 'WH2', onHand: 0, free: 0, active: false, sku: 'GIFT-SET' },
    ]);
  });

  it('captures a late commit whose write_date is older than the cursor (overlap window)', async () => {
    const capture = service();
    await baseline(capture);
    odoo.clock.now += 60;
    adjust(odoo, 100, SOCKS, WH2, 1);
    await capture.pollOnce();
    sink.take();
    // A transaction that started 5 minutes ago commits now: its rows carry the old write_date.
    odoo.setStock(MUG, WH, 2, 2, 2);
    odoo.write('stock.move', 103, { product_id: [MUG, 'x'], state: 'done' }, odoo.clock.now - 300);
    await capture.pollOnce();
    expect(sink.take().map(brief)).toContainEqual({
      productId: MUG,
      warehouse: 'WH',
      onHand: 2,
      free: 2,
      active: true,
    });
  });

  it('refreshes kits when a BoM changes and when their components move', async () => {
    const capture = service();
    await baseline(capture);
    odoo.setStock(SOCKS, WH, 4, 4, 4); // 4 socks → 2 kits (2 per kit)
    odoo.write('stock.quant', 200, { product_id: [SOCKS, 'x'], quantity: 4 });
    await capture.pollOnce();
    expect(
      sink
        .take()
        .filter((e) => e.productId === KIT && e.warehouse === 'WH')
        .map(brief),
    ).toEqual([{ productId: KIT, warehouse: 'WH', onHand: 2, free: 2, active: true }]);
    odoo.clock.now += 1;
    odoo.write('mrp.bom.line', 2, { product_qty: 1 }); // now 1 sock per kit → 4 kits
    await capture.pollOnce();
    expect(
      sink
        .take()
        .filter((e) => e.warehouse === 'WH')
        .map(brief),
    ).toEqual([{ productId: KIT, warehouse: 'WH', onHand: 4, free: 4, active: true }]);
  });

  it('keeps the cursor when the sink fails and publishes the same levels on the next poll', async () => {
    const capture = service();
    await baseline(capture);
    const before = await readFile(state.path, 'utf8');
    adjust(odoo, 100, SOCKS, WH, 9);
    sink.failWith = new Error('outbox: broker unreachable');
    const err = (await capture.pollOnce().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('PublishError');
    expect(err.message).toBe(
      'publishing 2 level events to the outbox failed (outbox: broker unreachable); the Odoo cursor stays, the next poll reads them again',
    );
    expect(await readFile(state.path, 'utf8')).toBe(before);
    expect(capture.status.lastError).toBe(err.message);
    sink.failWith = null;
    await capture.pollOnce();
    expect(sink.take().map(brief)).toEqual([
      { productId: SOCKS, warehouse: 'WH', onHand: 9, free: 9, active: true },
      { productId: KIT, warehouse: 'WH', onHand: 4, free: 4, active: true }, // 9 socks, 2 per kit
    ]);
    expect(logger.lines.map((l) => l.msg)).toContain('capture recovered: stock levels are published again');
  });

  it('retries a poll that could not publish as soon as the outbox is back, not after its back-off', async () => {
    sink.failWith = new Error('the outbox cannot take levels now: RabbitMQ: not connected yet');
    const cycles: Array<string | null> = [];
    const capture = service({
      pollIntervalMs: 60_000, // a retry would otherwise wait a minute or more
      onCycle: (c) => cycles.push(c.error === null ? null : (c.error as Error).name),
    });
    capture.outboxAvailable(); // nothing failed yet: no extra poll
    capture.start();
    while (cycles.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cycles).toEqual(['PublishError']);
    sink.failWith = null;
    capture.outboxAvailable();
    while (cycles.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cycles).toEqual(['PublishError', null]);
    expect(sink.take().length).toBeGreaterThan(0); // the first poll's levels, published
    capture.outboxAvailable(); // the last poll succeeded: no extra poll
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cycles).toHaveLength(2);
  });

  it('reports every cycle to onCycle with its duration, outcome, levels and correlation id', async () => {
    const cycles: CycleReport[] = [];
    const versions: string[] = [];
    const capture = service({ onCycle: (c) => cycles.push(c), onOdooVersion: (v) => versions.push(v) });
    await baseline(capture);
    adjust(odoo, 100, SOCKS, WH, 9);
    await capture.pollOnce();
    const [event] = sink.take();
    sink.failWith = new Error('outbox: broker unreachable');
    adjust(odoo, 101, SOCKS, WH, 8);
    await capture.pollOnce().catch(() => undefined);
    expect(versions).toEqual(['17.0']); // once: the client stayed the same
    expect(cycles).toHaveLength(3);
    const [, changed, failed] = cycles;
    expect(changed).toMatchObject({ error: null, changedLevels: 2, reason: 'manual' });
    expect(changed?.correlationId).toBe(event?.correlationId);
    expect(changed?.durationMs).toBeGreaterThanOrEqual(0);
    expect(failed).toMatchObject({ changedLevels: 0, correlationId: null, error: { name: 'PublishError' } });
    expect(failed?.durationMs).toBe(capture.status.pollDurationMs);
  });

  it('persists cursors, published levels and the clock: a restart publishes nothing twice', async () => {
    const capture = service();
    adjust(odoo, 100, SOCKS, WH, 9);
    await capture.pollOnce();
    const lastVersion = Math.max(...sink.take().map((e) => e.version));
    const reopened = await StateStore.open(dir);
    expect(reopened.clock).toBe(lastVersion);
    const again = new CaptureService(connect, sink, reopened, { pollIntervalMs: 50, logger });
    await expect(again.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 0 });
    expect(reopened.nextVersion()).toBeGreaterThan(lastVersion);
  });

  it('logs an unreachable Odoo once, keeps retrying, and says when it is back', async () => {
    const goodUrl = odoo.url;
    const closed = await startFakeOdoo();
    let url = closed.url;
    await closed.close();
    const flaky = track(
      new CaptureService(
        () => OdooClient.connect({ url, db: 'prod', user: 'bot', apiKey: 'key', retry: { attempts: 1 } }),
        sink,
        state,
        { pollIntervalMs: 10, logger },
      ),
    );
    flaky.start();
    await waitFor(() => odooFailures(logger) >= 1 && flaky.status.lastError !== null);
    await sleep(150); // several retries
    expect(odooFailures(logger)).toBe(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      msg: `Odoo at ${closed.url} is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs`,
      obj: { kind: 'unreachable' },
    });
    url = goodUrl;
    await waitFor(() => logger.lines.some((l) => l.msg === 'Odoo reachable again'));
    await flaky.stop();
    expect(flaky.status.lastError).toBeNull();
    expect(flaky.status.odooVersion).toBe('17.0');
  });

  it('reports a bad API key as an auth error and an Odoo error mid-cycle by its kind', async () => {
    const bad = new CaptureService(
      () =>
        OdooClient.connect({
          url: odoo.url,
          db: 'prod',
          user: 'bot',
          apiKey: 'nope',
          retry: { attempts: 1 },
        }),
      sink,
      state,
      { pollIntervalMs: 50, logger },
    );
    const err = (await bad.pollOnce().catch((e: unknown) => e)) as OdooError;
    expect(err).toBeInstanceOf(OdooError);
    expect(err.kind).toBe('auth');
    expect(err.message).toBe(
      'Odoo rejected the login of bot on database "prod": check ODOO_USER and ODOO_API_KEY',
    );
    const capture = service();
    await baseline(capture);
    odoo.failNext(rpcError('odoo.exceptions.AccessError', 'You are not allowed to access Stock Move'));
    await expect(capture.pollOnce()).rejects.toMatchObject({ kind: 'access' });
  });

  it('goes on without kit refresh, saying so once, when the user may not read BoMs', async () => {
    odoo.denied.add('mrp.bom');
    const capture = service();
    await baseline(capture);
    adjust(odoo, 100, SOCKS, WH, 8);
    await capture.pollOnce();
    expect(sink.take().map((e) => e.productId)).toEqual([SOCKS]); // the kit is not refreshed
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^the user bot may not read mrp.bom: give it Inventory \/ User rights .*; until then kits are not refreshed/,
      ),
    ]);
    expect(odoo.calls.some((c) => c.model === 'mrp.bom.line')).toBe(false);
  });

  it('coalesces poll requests and never overlaps cycles', async () => {
    const capture = service({ pollIntervalMs: 60_000 });
    capture.start();
    await waitFor(() => capture.status.lastSuccessAt !== null);
    const before = odoo.calls.length;
    let concurrent = 0;
    let maxConcurrent = 0;
    const slowSink: LevelSink = {
      publish: async (events) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(30);
        concurrent--;
        sink.events.push(...events);
      },
    };
    const slow = track(new CaptureService(connect, slowSink, state, { pollIntervalMs: 60_000, logger }));
    slow.start();
    await waitFor(() => slow.status.lastSuccessAt !== null);
    adjust(odoo, 100, SOCKS, WH, 3);
    for (let i = 0; i < 10; i++) slow.requestPoll('hint');
    await Promise.all([slow.pollOnce(), slow.pollOnce()]);
    await sleep(100);
    expect(maxConcurrent).toBe(1);
    await Promise.all([slow.stop(), capture.stop()]);
    const cycles = odoo.calls
      .slice(before)
      .filter((c) => c.model === 'stock.move' && c.method === 'search_read');
    expect(cycles.length).toBeLessThanOrEqual(6); // 10 hints + 2 manual polls: a few cycles, not 12
  });
});

function odooFailures(logger: MemoryLogger): number {
  return logger.lines.filter((l) => l.level === 'error').length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await sleep(5);
  }
}
