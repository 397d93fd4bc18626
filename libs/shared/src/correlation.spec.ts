import { correlationFields, MAX_LOGGED_CORRELATION_IDS } from './correlation';

describe('correlationFields', () => {
  it('names the one poll behind a frame as correlationId', () => {
    expect(correlationFields([{ correlationId: 'poll-a' }, { correlationId: 'poll-a' }])).toEqual({
      correlationId: 'poll-a',
    });
  });

  it('lists distinct ids, capped, when several polls are mixed; nothing when none is known', () => {
    expect(
      correlationFields([{ correlationId: 'a' }, { correlationId: null }, { correlationId: 'b' }]),
    ).toEqual({
      correlationIds: ['a', 'b'],
    });
    const many = Array.from({ length: 50 }, (_, i) => ({ correlationId: `poll-${i}` }));
    const fields = correlationFields(many);
    expect('correlationIds' in fields && fields.correlationIds).toHaveLength(MAX_LOGGED_CORRELATION_IDS);
    expect(correlationFields([{ correlationId: null }, {}, null, 'x'])).toEqual({});
  });
});
