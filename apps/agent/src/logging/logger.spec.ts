import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON at the configured level and redacts token and key fields', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    log.debug('hidden');
    log.info({ token: 'abc', odoo: { apiKey: 'k', url: 'http://odoo' }, AGENT_TOKEN: 't' }, 'shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'shown',
      token: '[redacted]',
      AGENT_TOKEN: '[redacted]',
      odoo: { apiKey: '[redacted]', url: 'http://odoo' },
    });
    expect(JSON.stringify(lines)).not.toMatch(/"abc"|"k"|"t"/);
  });
});
