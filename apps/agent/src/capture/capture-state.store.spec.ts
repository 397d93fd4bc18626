import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { levelKey, parseStateFile, STATE_FILE, StateStore, type StateUpdate } from './capture-state.store';

const level = { sku: 'MUG', barcode: null, onHand: 5, free: 4, forecast: 3, active: true };

function update(partial: Partial<StateUpdate>): StateUpdate {
  return { cursors: new Map(), seen: new Map(), windowStart: new Map(), published: new Map(), ...partial };
}

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'state-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('round-trips cursors, de-dup set, published levels and the clock', async () => {
    const store = await StateStore.open(join(dir, 'nested'));
    store.bindSite('http://odoo|prod');
    store.apply(
      update({
        cursors: new Map([['stock.move', { writeDate: '2025-03-01 10:00:00', id: 8 }]]),
        seen: new Map([['stock.move', new Map([[8, '2025-03-01 10:00:00|abc']])]]),
        published: new Map([[levelKey(44, 'WH'), level]]),
      }),
    );
    const version = store.nextVersion(1_700_000_000_000);
    await store.save();
    const again = await StateStore.open(join(dir, 'nested'));
    expect(again.site).toBe('http://odoo|prod');
    expect(again.cursor('stock.move')).toEqual({ writeDate: '2025-03-01 10:00:00', id: 8 });
    expect(again.seenFingerprint('stock.move', 8)).toBe('2025-03-01 10:00:00|abc');
    expect(again.published(44, 'WH')).toEqual(level);
    expect(again.clock).toBe(version);
    expect(again.nextVersion(1_600_000_000_000)).toBe(version + 1); // the wall clock went back: still grows
  });

  it('drops de-dup entries that left the overlap window', async () => {
    const store = await StateStore.open(dir);
    store.apply(
      update({
        seen: new Map([
          [
            'stock.move',
            new Map([
              [1, '2025-03-01 09:00:00|a'],
              [2, '2025-03-01 10:00:00|b'],
            ]),
          ],
        ]),
      }),
    );
    store.apply(update({ windowStart: new Map([['stock.move', '2025-03-01 09:30:00']]) }));
    expect(store.seenFingerprint('stock.move', 1)).toBeUndefined();
    expect(store.seenFingerprint('stock.move', 2)).toBe('2025-03-01 10:00:00|b');
  });

  it('reports a failed save with the path, leaves no temp file, and saves everything on the next try', async () => {
    const store = await StateStore.open(dir);
    store.apply(update({ published: new Map([[levelKey(1, 'WH'), level]]) }));
    await store.save();
    // The final rename fails (the target became a directory): works for root too, unlike permissions.
    await rm(store.path);
    await mkdir(store.path);
    store.apply(update({ published: new Map([[levelKey(2, 'WH'), level]]) }));
    await expect(store.save()).rejects.toThrow(/^cannot save the capture state to .*: check AGENT_STATE_DIR/);
    expect(store.unsaved).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await rm(store.path, { recursive: true });
    await store.save();
    const again = await StateStore.open(dir);
    expect(again.published(1, 'WH')).toEqual(level);
    expect(again.published(2, 'WH')).toEqual(level);
  });

  it('never exposes a torn file to a concurrent reader', async () => {
    const store = await StateStore.open(dir);
    const big = new Map(Array.from({ length: 20_000 }, (_, i) => [levelKey(i + 1, 'WH'), level] as const));
    store.apply(update({ published: big }));
    await store.save();
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const parsed = parseStateFile(await readFile(store.path, 'utf8'));
        expect(typeof parsed).toBe('object');
        reads++;
      }
    })();
    for (let i = 0; i < 5; i++) {
      store.apply(update({ published: new Map([[levelKey(1, 'WH'), { ...level, onHand: i }]]) }));
      await store.save();
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });

  it('moves an unreadable file aside, says so, and starts empty', async () => {
    await writeFile(
      join(dir, STATE_FILE),
      '{"schema":1,"site":null,"clock":5,"cursors":{"m":{"writeDate":"x"}}',
    );
    const warnings: string[] = [];
    const store = await StateStore.open(dir, { warn: (_o, m) => warnings.push(m) });
    expect(store.cursor('m')).toBeUndefined();
    expect(warnings[0]).toMatch(/capture state .* is unreadable \(not JSON .*\); moved it aside/);
    expect((await readdir(dir)).some((f) => f.startsWith(`${STATE_FILE}.corrupt-`))).toBe(true);
    expect(parseStateFile('{"schema":2}')).toBe('schema: expected 1, got 2');
    expect(
      parseStateFile(
        JSON.stringify({ schema: 1, site: null, clock: 1, cursors: { m: { writeDate: 'x', id: 1 } } }),
      ),
    ).toBe('cursors: invalid');
  });

  it('forgets cursors and levels, not the clock, when bound to another database', async () => {
    const store = await StateStore.open(dir);
    expect(store.bindSite('http://a|prod')).toBe(false);
    store.apply(update({ cursors: new Map([['stock.move', { writeDate: '2025-03-01 10:00:00', id: 8 }]]) }));
    const v = store.nextVersion();
    expect(store.bindSite('http://a|prod')).toBe(false);
    expect(store.bindSite('http://a|test')).toBe(true);
    expect(store.cursor('stock.move')).toBeUndefined();
    expect(store.nextVersion()).toBeGreaterThan(v);
  });
});
