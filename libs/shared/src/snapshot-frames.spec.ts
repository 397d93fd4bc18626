import {
  AGENT_EVENTS,
  MAX_EVENTS_PER_FRAME,
  parseRelayMessage,
  parseRelayReply,
  type LevelEventV1,
} from './frames';
import {
  parseSnapshotAbort,
  parseSnapshotBegin,
  parseSnapshotChunk,
  parseSnapshotEnd,
} from './snapshot-frames';

const event = (over: Partial<Record<keyof LevelEventV1, unknown>> = {}): Record<string, unknown> => ({
  eventId: 'e-1',
  productId: 44,
  sku: 'SKU-44',
  barcode: null,
  warehouse: 'WH',
  onHand: 12,
  free: 9,
  forecast: 7,
  active: true,
  version: 1_764_400_000_000_000,
  observedAt: '2026-11-29T10:00:00.000Z',
  correlationId: 'snapshot-1',
  ...over,
});

const chunk = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  snapshotId: 's-1',
  attempt: 1,
  seq: 1,
  afterProductId: 40,
  lastProductId: 50,
  events: [event()],
  ...over,
});

describe('snapshot frames (agent -> relay)', () => {
  it('routes the four snapshot events', () => {
    for (const name of ['snapshot-begin', 'snapshot-chunk', 'snapshot-end', 'snapshot-abort'] as const)
      expect(AGENT_EVENTS.has(name)).toBe(true);
  });

  it('accepts a begin and names a bad field, keeping the attempt for the reply', () => {
    const begin = {
      snapshotId: 's-1',
      attempt: 2,
      resumeAfterProductId: 17,
      warehouses: ['WH', 'WH2'],
      version: 9,
    };
    expect(parseSnapshotBegin(begin)).toEqual({ ok: true, value: begin });
    expect(parseSnapshotBegin({ ...begin, warehouses: ['WH', 'WH'] })).toEqual({
      ok: false,
      snapshotId: 's-1',
      attempt: 2,
      reason: 'warehouses: expected 1..200 distinct warehouse codes',
    });
    expect(parseSnapshotBegin({ ...begin, warehouses: [] })).toMatchObject({ ok: false });
    expect(parseSnapshotBegin({ ...begin, resumeAfterProductId: -1 })).toMatchObject({
      reason: 'resumeAfterProductId: invalid',
    });
    expect(parseSnapshotBegin({ ...begin, attempt: 0 })).toEqual({
      ok: false,
      snapshotId: 's-1',
      reason: 'attempt: invalid',
    });
    expect(parseSnapshotBegin({ attempt: 1 })).toEqual({
      ok: false,
      reason: 'snapshotId: expected a string of 1..64 characters',
    });
    expect(parseSnapshotBegin('begin')).toEqual({ ok: false, reason: 'data: expected an object' });
  });

  it('accepts a chunk, an empty one too (every product of the range untracked)', () => {
    expect(parseSnapshotChunk(chunk())).toMatchObject({ ok: true, value: { seq: 1, lastProductId: 50 } });
    expect(parseSnapshotChunk(chunk({ events: [] }))).toMatchObject({ ok: true });
  });

  it('refuses events outside the range, inactive ones and bad fields, naming them', () => {
    expect(parseSnapshotChunk(chunk({ events: [event({ productId: 40 })] }))).toEqual({
      ok: false,
      snapshotId: 's-1',
      attempt: 1,
      reason: 'events[0].productId: outside 40..50',
    });
    expect(parseSnapshotChunk(chunk({ events: [event(), event({ productId: 51 })] }))).toMatchObject({
      reason: 'events[1].productId: outside 40..50',
    });
    expect(parseSnapshotChunk(chunk({ events: [event({ active: false })] }))).toMatchObject({
      reason: 'events[0].active: a snapshot lists active products only',
    });
    expect(parseSnapshotChunk(chunk({ events: [event({ free: 'x' })] }))).toMatchObject({
      reason: 'events[0].free: invalid',
    });
    expect(parseSnapshotChunk(chunk({ events: [event(), event({ eventId: 'e-2' })] }))).toMatchObject({
      reason: 'events[1]: product 44 in WH listed twice',
    });
  });

  it('refuses a chunk with a bad range, sequence or size', () => {
    expect(parseSnapshotChunk(chunk({ lastProductId: 40 }))).toMatchObject({
      reason: 'lastProductId: expected an id greater than afterProductId',
    });
    expect(parseSnapshotChunk(chunk({ seq: 0 }))).toMatchObject({
      reason: 'seq: expected an integer from 1',
    });
    const tooMany = Array.from({ length: MAX_EVENTS_PER_FRAME + 1 }, () => event());
    expect(parseSnapshotChunk(chunk({ events: tooMany }))).toMatchObject({
      reason: /events: expected 0\.\./,
    });
  });

  it('accepts an end and an abort', () => {
    const end = { snapshotId: 's-1', attempt: 1, chunks: 3, count: 700, lastProductId: 99 };
    expect(parseSnapshotEnd(end)).toEqual({ ok: true, value: end });
    expect(parseSnapshotEnd({ ...end, count: -1 })).toMatchObject({ ok: false, reason: 'count: invalid' });
    const abort = { snapshotId: 's-1', attempt: 1, reason: 'Odoo unreachable' };
    expect(parseSnapshotAbort(abort)).toEqual({ ok: true, value: abort });
    expect(parseSnapshotAbort({ ...abort, reason: '' })).toMatchObject({ ok: false, attempt: 1 });
  });
});

describe('snapshot replies and command (relay -> agent)', () => {
  const command = {
    commandId: 'c-1',
    name: 'snapshot',
    snapshotId: 's-1',
    attempt: 1,
    resumeAfterProductId: 0,
    pageSize: 250,
  };

  it('reads a snapshot command, and keeps reading the poll command', () => {
    expect(parseRelayReply({ event: 'command', data: command })).toEqual({
      ok: true,
      value: { event: 'command', data: command },
    });
    expect(parseRelayReply({ event: 'command', data: { commandId: 'c-2', name: 'poll' } })).toEqual({
      ok: true,
      value: { event: 'command', data: { commandId: 'c-2', name: 'poll' } },
    });
  });

  it('names a bad command field', () => {
    expect(parseRelayReply({ event: 'command', data: { ...command, pageSize: 501 } })).toEqual({
      ok: false,
      reason: 'command.pageSize: expected 1..500',
    });
    expect(parseRelayReply({ event: 'command', data: { ...command, attempt: 'one' } })).toEqual({
      ok: false,
      reason: 'command.attempt: invalid',
    });
  });

  it('reads snapshot-ack and snapshot-stop as relay messages, and every reply too', () => {
    expect(
      parseRelayMessage({ event: 'snapshot-ack', data: { snapshotId: 's-1', attempt: 1, seq: 0 } }),
    ).toEqual({
      ok: true,
      value: { event: 'snapshot-ack', data: { snapshotId: 's-1', attempt: 1, seq: 0 } },
    });
    expect(
      parseRelayMessage({
        event: 'snapshot-stop',
        data: { snapshotId: 's-1', attempt: 1, reason: 'superseded' },
      }),
    ).toMatchObject({ ok: true, value: { event: 'snapshot-stop' } });
    expect(parseRelayMessage({ event: 'snapshot-ack', data: { snapshotId: 's-1', seq: 1 } })).toEqual({
      ok: false,
      reason: 'snapshot-ack: invalid',
    });
    expect(parseRelayMessage({ event: 'ack', data: { frameId: 'f1' } })).toEqual({
      ok: true,
      value: { event: 'ack', data: { frameId: 'f1' } },
    });
    expect(parseRelayMessage({ event: 'command', data: command })).toMatchObject({ ok: true });
  });

  it('keeps RelayReplyV1 as it was: a snapshot reply is not one', () => {
    expect(
      parseRelayReply({ event: 'snapshot-ack', data: { snapshotId: 's-1', attempt: 1, seq: 0 } }),
    ).toEqual({
      ok: false,
      reason: 'event: unknown "snapshot-ack"',
    });
  });
});
