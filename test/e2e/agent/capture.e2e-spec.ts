import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLevelsFrame, type LevelEventV1 } from '@stockbridge/shared';
import { StateStore } from '../../../apps/agent/src/capture/capture-state.store';
import { CaptureService, type CaptureLogger } from '../../../apps/agent/src/capture/capture.service';
import type { LevelSink } from '../../../apps/agent/src/capture/level-sink';
import { OdooClient } from '../../../apps/agent/src/odoo/odoo.client';
import { OdooError } from '../../../apps/agent/src/odoo/odoo-error';
import { startOdooSimulator, type OdooSimulator } from '../../simulators/odoo/odoo-simulator';
import { OdooTestClient } from '../../support/odoo-test-client';
import { waitFor } from '../../support/wait-for';

jest.setTimeout(60_000);

/** The test's observer: keeps what capture published, and can refuse like a broken outbox. */
class RecordingSink implements LevelSink {
  events: LevelEventV1[] = [];
  failure: Error | null = null;
  async publish(events: LevelEventV1[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.events.push(...events);
  }
  take(): LevelEventV1[] {
    return this.events.splice(0);
  }
}

class RecordingLogger implements CaptureLogger {
  lines: Array<{ level: 'info' | 'warn' | 'error'; msg: string; obj: object }> = [];
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

const level = (events: LevelEventV1[], sku: string, warehouse: string): LevelEventV1 | undefined =>
  events.filter((e) => e.sku === sku && e.warehouse === warehouse).at(-1);

describe.each([16, 17, 18, 19] as const)('capture against the Odoo %i simulator', (version) => {
  let sim: OdooSimulator;
  let odoo: OdooTestClient;
  let stateDir: string;
  let sink: RecordingSink;
  let logger: RecordingLogger;
  let capture: CaptureService;
  let client: OdooClient | undefined;

  const connect = async (): Promise<OdooClient> => {
    client = await OdooClient.connect({ url: sim.url, db: sim.db, user: sim.login, apiKey: sim.apiKey });
    return client;
  };

  /** Asserts the captured level equals what Odoo itself reports for that SKU and warehouse. */
  async function expectOdooLevel(
    events: LevelEventV1[],
    sku: string,
    warehouse: string,
  ): Promise<LevelEventV1> {
    const event = level(events, sku, warehouse);
    expect(event).toBeDefined();
    const q = await odoo.quantities(sku, warehouse);
    expect({
      onHand: event?.onHand,
      free: event?.free,
      forecast: event?.forecast,
      active: event?.active,
    }).toEqual({
      onHand: q.qty_available,
      free: q.free_qty,
      forecast: q.virtual_available,
      active: true,
    });
    return event!;
  }

  beforeAll(async () => {
    sim = await startOdooSimulator({ version });
    odoo = await OdooTestClient.connect(sim.url, sim.db, sim.login, sim.apiKey);
    stateDir = mkdtempSync(join(tmpdir(), `capture-e2e-${version}-`));
    sink = new RecordingSink();
    logger = new RecordingLogger();
    capture = new CaptureService(connect, sink, await StateStore.open(stateDir), {
      pollIntervalMs: 60_000,
      logger,
    });
  });

  afterAll(async () => {
    await capture?.stop();
    await sim?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it(`connects over ${version >= 19 ? 'JSON-2' : 'JSON-RPC'} and publishes every active product on the first poll`, async () => {
    const first = await capture.pollOnce();
    expect(client?.transportKind).toBe(version >= 19 ? 'json2' : 'jsonrpc');
    expect(client?.storableField).toBe(version >= 18 ? 'is_storable' : 'detailed_type');
    expect(capture.status.odooVersion).toBe(`${version}.0`);
    const events = sink.take();
    expect(first.changedLevels).toBe(events.length);
    expect(parseLevelsFrame({ frameId: 'f', events: events.slice(0, 500) }).ok).toBe(true);
    await expectOdooLevel(events, 'MUG-BLUE', 'WH');
    await expectOdooLevel(events, 'MUG-BLUE', 'WH2');
    await expectOdooLevel(events, 'GIFT-SET', 'WH');
    expect(level(events, 'WRAP', 'WH')).toMatchObject({ active: false, onHand: 0, free: 0, forecast: 0 }); // a service
    // archived before the agent started: never published as sellable
    expect(events.filter((e) => e.sku === 'MUG-OLD').every((e) => !e.active && e.onHand === 0)).toBe(true);
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(1);
  });

  it('publishes nothing and asks Odoo little on an idle poll', async () => {
    const before = sim.calls().length;
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 0 });
    const calls = sim.calls().slice(before);
    // one search_read per signal model: moves, quants, products, templates, BoMs, BoM lines
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(new Set(calls.map((c) => c.method))).toEqual(new Set(['search_read']));
    expect(sink.events).toEqual([]);
  });

  it('publishes an inventory adjustment, only for the warehouse that changed', async () => {
    await odoo.adjustInventory('CAP', 'WH', 17);
    const result = await capture.pollOnce();
    const events = sink.take();
    const cap = await expectOdooLevel(events, 'CAP', 'WH');
    expect(cap).toMatchObject({ onHand: 17, free: 17, sku: 'CAP', active: true });
    expect(level(events, 'CAP', 'WH2')).toBeUndefined(); // unchanged: not published again
    expect(result.changedLevels).toBe(events.length);
    expect(new Date(cap.observedAt).getTime()).toBeLessThanOrEqual(Date.now());
  });

  let pickingIds: number[] = [];
  it('publishes a confirmed sale as a reservation: free drops, on hand does not', async () => {
    await odoo.adjustInventory('TEE-S', 'WH', 15);
    await capture.pollOnce();
    const before = level(sink.take(), 'TEE-S', 'WH');
    expect(before).toMatchObject({ onHand: 15, free: 15 });
    const sale = await odoo.createAndConfirmSale([{ sku: 'TEE-S', qty: 2 }], 'WH');
    pickingIds = sale.pickingIds;
    await capture.pollOnce();
    const after = await expectOdooLevel(sink.take(), 'TEE-S', 'WH');
    expect(after).toMatchObject({ onHand: 15, free: 13, forecast: 13 });
    expect(after.version).toBeGreaterThan(before!.version);
  });

  it('publishes a validated delivery: on hand drops too', async () => {
    expect(pickingIds.length).toBeGreaterThan(0);
    for (const id of pickingIds) await odoo.validateDelivery(id);
    await capture.pollOnce();
    const after = await expectOdooLevel(sink.take(), 'TEE-S', 'WH');
    expect(after).toMatchObject({ onHand: 13, free: 13 });
  });

  it('refreshes the kit when one of its components moves', async () => {
    // GIFT-SET = 1 MUG-BLUE + 2 SOCKS (phantom BoM); no move ever names the kit itself.
    await odoo.adjustInventory('SOCKS', 'WH', 6);
    await capture.pollOnce();
    const events = sink.take();
    await expectOdooLevel(events, 'SOCKS', 'WH');
    const kit = await expectOdooLevel(events, 'GIFT-SET', 'WH');
    expect(kit.onHand).toBe(3);
    expect(level(events, 'GIFT-SET', 'WH2')).toBeUndefined();
  });

  it('keeps separate levels for the two warehouses', async () => {
    await odoo.adjustInventory('MUG-BLUE', 'WH2', 4);
    await capture.pollOnce();
    const events = sink.take();
    expect(await expectOdooLevel(events, 'MUG-BLUE', 'WH2')).toMatchObject({ onHand: 4 });
    expect(level(events, 'MUG-BLUE', 'WH')).toBeUndefined();
    expect(await expectOdooLevel(events, 'GIFT-SET', 'WH2')).toMatchObject({ onHand: 4 });
    const wh = await odoo.quantities('MUG-BLUE', 'WH');
    expect(wh.qty_available).not.toBe(4);
  });

  it('sends an archived product as inactive with zeros in every warehouse', async () => {
    await odoo.archiveProduct('CAP');
    await capture.pollOnce();
    const events = sink.take();
    for (const wh of ['WH', 'WH2']) {
      expect(level(events, 'CAP', wh)).toMatchObject({ active: false, onHand: 0, free: 0, forecast: 0 });
    }
  });

  it('captures a change committed late by a long transaction with an older write_date', async () => {
    const productId = await odoo.productIdBySku('LAMP');
    const { lotStockId } = await odoo.warehouseByCode('WH');
    const tx = sim.beginLongTransaction();
    tx.adjustInventory(productId, lotStockId, 9);
    await new Promise((r) => setTimeout(r, 1_100)); // later writes get a later write_date second
    await odoo.adjustInventory('NOTE-A5', 'WH', 33); // moves every cursor past the transaction's start
    await capture.pollOnce();
    expect(level(sink.take(), 'LAMP', 'WH')).toBeUndefined(); // not committed yet: invisible
    tx.commit();
    await capture.pollOnce();
    expect(await expectOdooLevel(sink.take(), 'LAMP', 'WH')).toMatchObject({ onHand: 9 });
  });

  it('keeps the cursor when the sink fails, and publishes the same levels on the next poll', async () => {
    await odoo.adjustInventory('MUG-RED', 'WH', 21);
    sink.failure = new Error('outbox unavailable');
    await expect(capture.pollOnce()).rejects.toThrow(
      /^publishing 1 level event to the outbox failed \(outbox unavailable\); the Odoo cursor stays/,
    );
    expect(capture.status.lastError).toMatch(/outbox unavailable/);
    sink.failure = null;
    await capture.pollOnce();
    expect(await expectOdooLevel(sink.take(), 'MUG-RED', 'WH')).toMatchObject({ onHand: 21 });
    expect(capture.status.lastError).toBeNull();
    await expect(capture.pollOnce()).resolves.toEqual({ changedLevels: 0, dirtyProducts: 0 });
  });

  it('rejects a wrong API key with an auth error that says what to check', async () => {
    const err = await OdooClient.connect({
      url: sim.url,
      db: sim.db,
      user: sim.login,
      apiKey: 'not-the-key',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdooError);
    expect(err).toMatchObject({
      kind: 'auth',
      message: `Odoo rejected the login of ${sim.login} on database "${sim.db}": check ODOO_USER and ODOO_API_KEY`,
    });
  });

  it('names a wrong database', async () => {
    await expect(
      OdooClient.connect({ url: sim.url, db: 'nope', user: sim.login, apiKey: sim.apiKey }),
    ).rejects.toMatchObject({
      kind: 'database',
      message: `database "nope" does not exist on ${sim.url}: check ODOO_DB`,
    });
  });

  it('reports an unreachable Odoo once while retrying, and recovers', async () => {
    const gone = await startOdooSimulator({ version, seed: 'empty' });
    const { url } = gone;
    await gone.close();
    await expect(
      OdooClient.connect({ url, db: sim.db, user: sim.login, apiKey: sim.apiKey, retry: { attempts: 1 } }),
    ).rejects.toMatchObject({
      kind: 'unreachable',
      message: `Odoo at ${url} is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs`,
    });

    const lines = new RecordingLogger();
    const looping = new CaptureService(
      () =>
        OdooClient.connect({
          url: sim.url,
          db: sim.db,
          user: sim.login,
          apiKey: sim.apiKey,
          retry: { attempts: 1 },
        }),
      new RecordingSink(),
      await StateStore.open(join(stateDir, 'looping')),
      { pollIntervalMs: 20, logger: lines },
    );
    sim.setDown(true);
    try {
      looping.start();
      await waitFor('the first failure', () => looping.status.lastError !== null, {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const polls = looping.status.lastPollAt;
      await waitFor('more retries', () => looping.status.lastPollAt !== polls, {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      expect(lines.lines.filter((l) => l.level === 'error')).toHaveLength(1);
      expect(lines.lines.find((l) => l.level === 'error')?.obj).toMatchObject({ kind: 'unreachable' });
    } finally {
      sim.setDown(false);
    }
    await waitFor('recovery', () => lines.lines.some((l) => l.msg === 'Odoo reachable again'), {
      timeoutMs: 20_000,
    });
    await looping.stop();
    expect(looping.status.lastError).toBeNull();
  });
});
