import pino from 'pino';
import type { AgentFrameV1, LevelEventV1, SnapshotCommandV1 } from '@stockbridge/shared';
import type { SnapshotChunkData } from '../capture/snapshot-reader';
import { SnapshotStreamer, type SnapshotPages } from './snapshot-streamer';

const level = (productId: number): LevelEventV1 => ({
  eventId: `e-${productId}`,
  productId,
  sku: `P-${productId}`,
  barcode: null,
  warehouse: 'WH',
  onHand: 1,
  free: 1,
  forecast: 1,
  active: true,
  version: 100 + productId,
  observedAt: '2026-11-29T10:00:00.000Z',
  correlationId: 'snapshot-s1',
});

/** Products 1..n, `per` a page; `failAt`: the page read after this id throws. */
function pagesOf(
  n: number,
  opts: { failAfter?: number } = {},
): SnapshotPages & { reads: number[]; commits: number; closes: number } {
  const reads: number[] = [];
  return {
    warehouses: ['WH'],
    version: 100,
    reads,
    commits: 0,
    closes: 0,
    commit() {
      this.commits++;
      return Promise.resolve();
    },
    close() {
      this.closes++;
    },
    next: (afterId: number, limit: number): Promise<SnapshotChunkData | null> => {
      reads.push(afterId);
      if (opts.failAfter !== undefined && afterId >= opts.failAfter)
        return Promise.reject(new Error('Odoo at http://odoo is not reachable'));
      const ids = Array.from({ length: n }, (_, i) => i + 1)
        .filter((id) => id > afterId)
        .slice(0, limit);
      const last = ids.at(-1);
      if (last === undefined) return Promise.resolve(null);
      return Promise.resolve({
        afterProductId: afterId,
        lastProductId: last,
        events: ids.map(level),
        exhausted: ids.length < limit,
      });
    },
  };
}

const command = (over: Partial<SnapshotCommandV1> = {}): SnapshotCommandV1 => ({
  commandId: 'c1',
  name: 'snapshot',
  snapshotId: 's1',
  attempt: 1,
  resumeAfterProductId: 0,
  pageSize: 2,
  ...over,
});

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not reached');
};

describe('SnapshotStreamer', () => {
  let sent: AgentFrameV1[];
  let open: boolean;
  let pages: ReturnType<typeof pagesOf>;
  let streamer: SnapshotStreamer;
  let saves: number;

  const make = (window = 2, ackTimeoutMs = 2_000): SnapshotStreamer =>
    new SnapshotStreamer({
      open: () => Promise.resolve(pages),
      send: (frame) => (open ? (sent.push(frame), true) : false),
      save: () => Promise.resolve(void saves++),
      logger: pino({ level: 'silent' }),
      window,
      ackTimeoutMs,
    });
  const ack = (seq: number, attempt = 1): void =>
    streamer.onReply({ event: 'snapshot-ack', data: { snapshotId: 's1', attempt, seq } });
  const events = (): string[] => sent.map((f) => f.event);

  beforeEach(() => {
    sent = [];
    open = true;
    saves = 0;
  });
  afterEach(() => streamer.stop());

  it('sends begin, chunks of whole id ranges with at most `window` unacked, then end with the totals', async () => {
    pages = pagesOf(5);
    streamer = make(2);
    streamer.onCommand(command());
    await until(() => events().length === 3);
    expect(events()).toEqual(['snapshot-begin', 'snapshot-chunk', 'snapshot-chunk']); // window full
    ack(0);
    ack(1);
    await until(() => events().length === 5);
    ack(2);
    ack(3);
    await until(() => events().at(-1) === 'snapshot-end');
    const chunks = sent.flatMap((f) => (f.event === 'snapshot-chunk' ? [f.data] : []));
    expect(chunks.map((c) => [c.seq, c.afterProductId, c.lastProductId, c.events.length])).toEqual([
      [1, 0, 2, 2],
      [2, 2, 4, 2],
      [3, 4, 5, 1],
    ]);
    expect(sent.at(-1)).toEqual({
      event: 'snapshot-end',
      data: { snapshotId: 's1', attempt: 1, chunks: 3, count: 5, lastProductId: 5 },
    });
    expect(sent[0]).toEqual({
      event: 'snapshot-begin',
      data: { snapshotId: 's1', attempt: 1, resumeAfterProductId: 0, warehouses: ['WH'], version: 100 },
    });
    expect(pages.commits).toBe(0); // not before the relay acked the end
    ack(4);
    await until(() => saves === 1);
    expect([pages.commits, pages.closes]).toEqual([1, 1]);
  });

  it('a closed socket ends the attempt; the next attempt resumes where the relay says', async () => {
    pages = pagesOf(6);
    streamer = make(1);
    streamer.onCommand(command());
    await until(() => events().length === 2);
    open = false;
    streamer.onUplinkClose();
    await until(() => saves === 1);
    expect([pages.commits, pages.closes]).toEqual([0, 1]); // a cut snapshot changes no published level
    open = true;
    sent = [];
    streamer.onCommand(command({ attempt: 2, resumeAfterProductId: 2 }));
    await until(() => events().length === 2);
    expect(sent[0]).toMatchObject({ event: 'snapshot-begin', data: { attempt: 2, resumeAfterProductId: 2 } });
    expect(sent[1]).toMatchObject({
      event: 'snapshot-chunk',
      data: { attempt: 2, seq: 1, afterProductId: 2, lastProductId: 4 },
    });
    ack(1, 1); // a late ack of the old attempt changes nothing
    expect(events()).toHaveLength(2);
    ack(1, 2);
    await until(() => events().at(-1) === 'snapshot-end'); // (2, 4], (4, 6], then nothing after 6
    expect(sent.at(-1)).toMatchObject({ data: { attempt: 2, chunks: 2, count: 4, lastProductId: 6 } });
  });

  it('snapshot-stop from the relay ends the attempt; an Odoo failure is reported with snapshot-abort', async () => {
    pages = pagesOf(6);
    streamer = make(1);
    streamer.onCommand(command());
    await until(() => events().length === 2);
    streamer.onReply({
      event: 'snapshot-stop',
      data: { snapshotId: 's1', attempt: 1, reason: 'superseded' },
    });
    await until(() => saves === 1);
    expect(events()).toEqual(['snapshot-begin', 'snapshot-chunk']);
    expect([pages.commits, pages.closes]).toEqual([0, 1]);

    sent = [];
    pages = pagesOf(6, { failAfter: 2 });
    streamer.onCommand(command({ attempt: 2 }));
    await until(() => events().at(-1) === 'snapshot-abort');
    expect(events()).toEqual(['snapshot-begin', 'snapshot-chunk', 'snapshot-abort']);
    expect(sent.at(-1)).toEqual({
      event: 'snapshot-abort',
      data: { snapshotId: 's1', attempt: 2, reason: 'Odoo at http://odoo is not reachable' },
    });
    await until(() => pages.closes === 1);
    expect(pages.commits).toBe(0);
  });

  it('aborts, naming the limit, when Odoo lists more warehouses than a snapshot takes', async () => {
    pages = { ...pagesOf(2), warehouses: Array.from({ length: 201 }, (_, i) => `W${i}`) };
    streamer = make(1);
    streamer.onCommand(command());
    await until(() => events().at(-1) === 'snapshot-abort');
    expect(sent).toEqual([
      {
        event: 'snapshot-abort',
        data: {
          snapshotId: 's1',
          attempt: 1,
          reason: 'Odoo lists 201 warehouses; a snapshot takes at most 200',
        },
      },
    ]);
  });

  it('gives the attempt up when the relay stops acking, says so, and commits nothing', async () => {
    pages = pagesOf(6);
    streamer = make(1, 100);
    streamer.onCommand(command());
    await until(() => events().at(-1) === 'snapshot-abort');
    expect(events()).toEqual(['snapshot-begin', 'snapshot-chunk', 'snapshot-abort']);
    expect(sent.at(-1)).toMatchObject({ data: { reason: 'no snapshot-ack from the relay within 100 ms' } });
    await until(() => pages.closes === 1);
    expect(pages.commits).toBe(0);
  });
});
