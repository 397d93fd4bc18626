import { INVALID_FRAME, NOT_JSON_REASON, parseAgentMessage } from './agent-message.parser';

describe('parseAgentMessage', () => {
  it('routes known events with their data', () => {
    expect(parseAgentMessage('{"event":"levels","data":{"frameId":"f"}}')).toEqual({
      event: 'levels',
      data: { frameId: 'f' },
    });
    expect(parseAgentMessage(Buffer.from('{"event":"hello","data":null}'))).toEqual({
      event: 'hello',
      data: null,
    });
    expect(parseAgentMessage([Buffer.from('{"event":"hel'), Buffer.from('lo"}')])).toEqual({
      event: 'hello',
      data: undefined,
    });
  });

  it.each(['{not json', '42', '[]', '{"data":{}}', '{"event":7}', ''])(
    'maps %p to an invalid frame',
    (raw) => {
      expect(parseAgentMessage(raw)).toEqual({ event: INVALID_FRAME, data: NOT_JSON_REASON });
    },
  );

  it('names an unknown event', () => {
    expect(parseAgentMessage('{"event":"teleport","data":{}}')).toEqual({
      event: INVALID_FRAME,
      data: 'event: unknown "teleport" (expected one of levels, hello, snapshot-begin, snapshot-chunk, snapshot-end, snapshot-abort)',
    });
    expect(parseAgentMessage('{"event":"invalid","data":"spoofed"}').data).toMatch(
      /^event: unknown "invalid"/,
    );
  });
});
