import { RelayEnvError, validateRelayEnv } from './relay-env';

const VALID = {
  DATABASE_URL: 'postgres://relay:pg-password@127.0.0.1:5432/relay',
  ADMIN_API_KEY: 'admin-key-0123456789abcdefgh',
  RELAY_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
};

function errorOf(raw: Record<string, unknown>): string {
  try {
    validateRelayEnv(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(RelayEnvError);
    return (err as Error).message;
  }
  throw new Error('expected the env to be refused');
}

describe('validateRelayEnv', () => {
  it('reads a valid env and fills the defaults', () => {
    const env = validateRelayEnv({ ...VALID, RELAY_PORT: '8080' });
    expect(env).toMatchObject({
      ...VALID,
      RELAY_PORT: 8080,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    });
  });

  it('takes an optional METRICS_TOKEN of at least 16 characters', () => {
    expect(validateRelayEnv(VALID).METRICS_TOKEN).toBeUndefined();
    expect(validateRelayEnv({ ...VALID, METRICS_TOKEN: 'scrape-0123456789' }).METRICS_TOKEN).toBe(
      'scrape-0123456789',
    );
    expect(errorOf({ ...VALID, METRICS_TOKEN: 'short' })).toContain(
      'METRICS_TOKEN: expected at least 16 characters',
    );
  });

  it('keeps the logs 30 days by default, forever with RETENTION_DAYS=0, and names a bad value', () => {
    expect(validateRelayEnv(VALID)).toMatchObject({ RETENTION_DAYS: 30, RETENTION_TICK_MS: 3_600_000 });
    expect(validateRelayEnv({ ...VALID, RETENTION_DAYS: '0' }).RETENTION_DAYS).toBe(0);
    expect(errorOf({ ...VALID, RETENTION_DAYS: '-1' })).toContain(
      'RETENTION_DAYS: expected 0 (keep forever)',
    );
    expect(errorOf({ ...VALID, RETENTION_DAYS: 'a month' })).toContain('expected a whole number of days');
  });

  it('treats empty strings as unset', () => {
    expect(validateRelayEnv({ ...VALID, RELAY_PORT: '', LOG_LEVEL: '' })).toMatchObject({
      RELAY_PORT: 3000,
      LOG_LEVEL: 'info',
    });
  });

  it('names every bad variable in one error', () => {
    const message = errorOf({
      DATABASE_URL: 'mysql://x',
      AMQP_URL: 'http://broker',
      ADMIN_API_KEY: 'short',
      RELAY_SECRET_KEY: Buffer.alloc(16, 1).toString('base64'),
      RELAY_PORT: 'eighty',
      LOG_LEVEL: 'loud',
      NODE_ENV: 'staging',
    });
    for (const name of [
      'DATABASE_URL',
      'AMQP_URL',
      'ADMIN_API_KEY',
      'RELAY_SECRET_KEY',
      'RELAY_PORT',
      'LOG_LEVEL',
      'NODE_ENV',
    ]) {
      expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    }
  });

  it('stops on a missing or short RELAY_SECRET_KEY with a clear message', () => {
    const { RELAY_SECRET_KEY: _unused, ...withoutKey } = VALID;
    expect(errorOf(withoutKey)).toContain(
      'RELAY_SECRET_KEY: required (expected base64 of 32 random bytes (generate one with `openssl rand -base64 32`))',
    );
    expect(errorOf({ ...VALID, RELAY_SECRET_KEY: 'c2hvcnQ=' })).toContain(
      'RELAY_SECRET_KEY: expected base64 of 32',
    );
    expect(
      errorOf({ ...VALID, RELAY_SECRET_KEY: 'not base64 at all, but long enough to be 44 chars' }),
    ).toContain('RELAY_SECRET_KEY');
  });

  it('requires DATABASE_URL and ADMIN_API_KEY', () => {
    const message = errorOf({ RELAY_SECRET_KEY: VALID.RELAY_SECRET_KEY });
    expect(message).toMatch(/^ {2}DATABASE_URL: /m);
    expect(message).toMatch(/^ {2}ADMIN_API_KEY: /m);
  });

  it('never prints a value', () => {
    const message = errorOf({
      DATABASE_URL: 'postgres://u:super-secret-pw@db/x',
      ADMIN_API_KEY: 'tiny-secret',
      RELAY_SECRET_KEY: 'secret-key-material',
      RELAY_PORT: '99999999',
    });
    for (const value of ['super-secret-pw', 'tiny-secret', 'secret-key-material', '99999999']) {
      expect(message).not.toContain(value);
    }
  });
});
