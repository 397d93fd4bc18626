import { AgentConfigError, maskUrl, parseAgentEnv } from './agent-env';

const valid = {
  ODOO_URL: 'https://odoo.example.lan',
  ODOO_DB: 'prod',
  ODOO_USER: 'sync-bot@example.com',
  ODOO_API_KEY: 'odoo-secret-key-123',
  RELAY_URL: 'wss://relay.example.com/agent',
  AGENT_TOKEN: 'sb_agent_secret_token',
};

function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseAgentEnv(raw);
  } catch (err) {
    if (err instanceof AgentConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected AgentConfigError');
}

describe('parseAgentEnv', () => {
  it('applies the documented defaults', () => {
    expect(parseAgentEnv(valid)).toEqual({
      ...valid,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      POLL_INTERVAL_MS: 2000,
      ODOO_OVERLAP_MS: 600_000,
      AGENT_STATE_DIR: './.agent-state',
      AGENT_HTTP_PORT: 8088,
      AGENT_HINT_SECRET: null,
      LOG_LEVEL: 'info',
      UPLINK_WINDOW: 32,
    });
  });

  it('reads every optional value and treats empty strings as unset', () => {
    const env = parseAgentEnv({
      ...valid,
      AMQP_URL: 'amqps://u:p@mq.lan:5671/agent',
      POLL_INTERVAL_MS: '200',
      ODOO_OVERLAP_MS: '0',
      AGENT_STATE_DIR: '/var/lib/stockbridge',
      AGENT_HTTP_PORT: '0',
      AGENT_HINT_SECRET: '0123456789abcdef',
      LOG_LEVEL: 'DEBUG',
      UPLINK_WINDOW: '',
    });
    expect(env).toMatchObject({
      AMQP_URL: 'amqps://u:p@mq.lan:5671/agent',
      POLL_INTERVAL_MS: 200,
      ODOO_OVERLAP_MS: 0,
      AGENT_HTTP_PORT: 0,
      AGENT_HINT_SECRET: '0123456789abcdef',
      LOG_LEVEL: 'debug',
      UPLINK_WINDOW: 32,
    });
  });

  it('names every missing required variable, one line each', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'ODOO_URL',
      'ODOO_DB',
      'ODOO_USER',
      'ODOO_API_KEY',
      'RELAY_URL',
      'AGENT_TOKEN',
    ]);
    expect(problems.every((p) => /: required, /.test(p))).toBe(true);
  });

  it.each([
    [
      'ODOO_URL',
      'ftp://odoo.lan',
      'ODOO_URL: expected an http:// or https:// URL of the Odoo server, got a ftp URL',
    ],
    [
      'ODOO_URL',
      'odoo.lan',
      'ODOO_URL: expected an http:// or https:// URL of the Odoo server, got something that is not a URL',
    ],
    [
      'AMQP_URL',
      'http://mq',
      'AMQP_URL: expected an amqp:// or amqps:// URL of the local RabbitMQ, got a http URL',
    ],
    [
      'RELAY_URL',
      'https://relay/agent',
      "RELAY_URL: expected a ws:// or wss:// URL of the relay's /agent endpoint, got a https URL",
    ],
    ['AGENT_TOKEN', 'has space', 'AGENT_TOKEN: expected an agent token (no spaces or control characters)'],
    [
      'ODOO_API_KEY',
      'line\nbreak',
      'ODOO_API_KEY: expected an Odoo API key (no spaces or control characters)',
    ],
    [
      'POLL_INTERVAL_MS',
      '199',
      'POLL_INTERVAL_MS: expected a whole number of milliseconds from 200 to 3600000',
    ],
    [
      'POLL_INTERVAL_MS',
      '2s',
      'POLL_INTERVAL_MS: expected a whole number of milliseconds from 200 to 3600000',
    ],
    [
      'POLL_INTERVAL_MS',
      '3600001',
      'POLL_INTERVAL_MS: expected a whole number of milliseconds from 200 to 3600000',
    ],
    ['ODOO_OVERLAP_MS', '-1', 'ODOO_OVERLAP_MS: expected a whole number of milliseconds from 0 to 86400000'],
    [
      'AGENT_HTTP_PORT',
      '70000',
      'AGENT_HTTP_PORT: expected a TCP port number (0 = any free port) from 0 to 65535',
    ],
    [
      'AGENT_HINT_SECRET',
      'short',
      'AGENT_HINT_SECRET: expected at least 16 characters without spaces (or leave it unset to disable hints)',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent'],
    ['UPLINK_WINDOW', '0', 'UPLINK_WINDOW: expected a whole number of frames in flight from 1 to 1000'],
  ])('rejects %s=%j with a sentence naming it', (name, value, message) => {
    expect(problemsOf({ ...valid, [name]: value })).toEqual([message]);
  });

  it('lists every bad variable at once and never prints a value', () => {
    const secret = 'hunter2-but-too-short';
    let caught: unknown;
    try {
      parseAgentEnv({
        ...valid,
        AGENT_TOKEN: `${secret} x`,
        AMQP_URL: `http://u:${secret}@mq`,
        UPLINK_WINDOW: 'many',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AgentConfigError);
    const message = (caught as Error).message;
    expect(message).toMatch(
      /^Invalid agent configuration \(3 problems\):\n {2}AMQP_URL: .*\n {2}AGENT_TOKEN: .*\n {2}UPLINK_WINDOW: /,
    );
    expect(message).not.toContain(secret);
  });
});

describe('maskUrl', () => {
  it('drops the user and password', () => {
    expect(maskUrl('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://127.0.0.1:5672');
    expect(maskUrl('amqp://u:p%40ss@mq:5672/vh')).toBe('amqp://mq:5672/vh');
    expect(maskUrl('https://odoo.lan')).toBe('https://odoo.lan');
    expect(maskUrl('not a url')).toBe('(unparseable URL)');
  });
});
