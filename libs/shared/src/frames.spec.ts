import {
  MAX_EVENTS_PER_FRAME,
  parseAgentStatus,
  parseLevelsFrame,
  parseRelayReply,
  type LevelEventV1,
} from './frames';

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
  correlationId: 'poll-1',
  ...over,
});

describe('parseLevelsFrame', () => {
  it('accepts a valid frame', () => {
    const parsed = parseLevelsFrame({ frameId: 'f1', events: [event()] });
    expect(parsed).toEqual({ ok: true, value: { frameId: 'f1', events: [event()] } });
  });

  it('names the first bad field and keeps the frame id for the reject', () => {
    expect(parseLevelsFrame({ frameId: 'f2', events: [event(), event({ free: 'x' })] })).toEqual({
      ok: false,
      frameId: 'f2',
      reason: 'events[1].free: invalid',
    });
    expect(parseLevelsFrame({ frameId: 'f3', events: [event({ version: 1.5 })] })).toMatchObject({
      reason: 'events[0].version: invalid',
    });
    expect(parseLevelsFrame({ frameId: 'f4', events: [event({ observedAt: 'yesterday' })] })).toMatchObject({
      reason: 'events[0].observedAt: invalid',
    });
  });

  it('rejects a frame without an id, empty or too large', () => {
    expect(parseLevelsFrame({ events: [event()] })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^frameId/),
    });
    expect(parseLevelsFrame({ frameId: 'f', events: [] })).toMatchObject({ ok: false, frameId: 'f' });
    const tooMany = Array.from({ length: MAX_EVENTS_PER_FRAME + 1 }, () => event());
    expect(parseLevelsFrame({ frameId: 'f', events: tooMany })).toMatchObject({
      ok: false,
      reason: /events: expected/,
    });
    expect(parseLevelsFrame(null)).toMatchObject({ ok: false, reason: 'data: expected an object' });
  });
});

describe('parseAgentStatus', () => {
  it('accepts a hello and names a bad field', () => {
    const hello = { agentVersion: '0.1.0', odooVersion: '17.0', outboxDepth: 0, lastPollAt: null };
    expect(parseAgentStatus(hello)).toEqual({ ok: true, value: hello });
    expect(parseAgentStatus({ ...hello, outboxDepth: -1 })).toEqual({
      ok: false,
      reason: 'data.outboxDepth: invalid',
    });
  });
});

describe('parseRelayReply', () => {
  it('reads ack, reject and command replies', () => {
    expect(parseRelayReply({ event: 'ack', data: { frameId: 'f1' } })).toEqual({
      ok: true,
      value: { event: 'ack', data: { frameId: 'f1' } },
    });
    expect(parseRelayReply({ event: 'reject', data: { reason: 'bad', retry: false } })).toEqual({
      ok: true,
      value: { event: 'reject', data: { reason: 'bad', retry: false } },
    });
    expect(parseRelayReply({ event: 'command', data: { commandId: 'c1', name: 'poll' } })).toMatchObject({
      ok: true,
    });
  });

  it('reports unknown or malformed replies instead of guessing', () => {
    expect(parseRelayReply({ event: 'hug', data: {} })).toEqual({
      ok: false,
      reason: 'event: unknown "hug"',
    });
    expect(parseRelayReply({ event: 'ack', data: {} })).toEqual({
      ok: false,
      reason: 'ack.frameId: invalid',
    });
    expect(parseRelayReply('ack')).toMatchObject({ ok: false });
  });
});
