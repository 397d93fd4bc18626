import { MAX_EVENTS_PER_FRAME, parseLevelsFrame, type LevelEventV1 } from '@stockbridge/shared';
import { toFrames } from './outbox.publisher';

const event = (i: number): LevelEventV1 => ({
  eventId: `e${i}`,
  productId: i + 1,
  sku: null,
  barcode: null,
  warehouse: 'WH',
  onHand: 1,
  free: 1,
  forecast: 1,
  active: true,
  version: i,
  observedAt: '2026-01-01T00:00:00.000Z',
  correlationId: 'c',
});

describe('toFrames', () => {
  it('splits events into valid frames of at most MAX_EVENTS_PER_FRAME, in order, each with its own id', () => {
    const events = Array.from({ length: MAX_EVENTS_PER_FRAME + 3 }, (_, i) => event(i));
    const frames = toFrames(events);
    expect(frames.map((f) => f.events.length)).toEqual([MAX_EVENTS_PER_FRAME, 3]);
    expect(frames.flatMap((f) => f.events)).toEqual(events);
    expect(new Set(frames.map((f) => f.frameId)).size).toBe(2);
    for (const f of frames)
      expect(parseLevelsFrame(JSON.parse(JSON.stringify(f)))).toMatchObject({ ok: true });
  });

  it('makes no frame for no events', () => {
    expect(toFrames([])).toEqual([]);
  });
});
