/**
 * The agent's configuration, read once from the environment at start.
 * Every bad value gets one line that names the variable and says what is expected; values are never echoed,
 * because several of them are secrets (and URLs may carry passwords).
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AgentEnv {
  ODOO_URL: string;
  ODOO_DB: string;
  ODOO_USER: string;
  ODOO_API_KEY: string;
  AMQP_URL: string;
  RELAY_URL: string;
  AGENT_TOKEN: string;
  POLL_INTERVAL_MS: number;
  ODOO_OVERLAP_MS: number;
  AGENT_STATE_DIR: string;
  AGENT_HTTP_PORT: number;
  /** null: the LAN hint endpoint is disabled. */
  AGENT_HINT_SECRET: string | null;
  LOG_LEVEL: LogLevel;
  UPLINK_WINDOW: number;
}

export const AGENT_ENV_DEFAULTS = {
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  POLL_INTERVAL_MS: 2000,
  ODOO_OVERLAP_MS: 600_000,
  AGENT_STATE_DIR: './.agent-state',
  AGENT_HTTP_PORT: 8088,
  LOG_LEVEL: 'info',
  UPLINK_WINDOW: 32,
} as const satisfies Partial<AgentEnv>;

export class AgentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid agent configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  ${p}`)
        .join('\n')}`,
    );
    this.name = 'AgentConfigError';
  }
}

type Check<T> = (value: string) => T | { problem: string };
const problem = (text: string): { problem: string } => ({ problem: text });
const isProblem = (v: unknown): v is { problem: string } =>
  typeof v === 'object' && v !== null && 'problem' in v;

function urlCheck(protocols: string[], what: string): Check<string> {
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return problem(`expected ${what}, got something that is not a URL`);
    }
    if (!protocols.includes(url.protocol) || url.hostname === '')
      return problem(`expected ${what}, got a ${url.protocol.replace(/:$/, '')} URL`);
    return value;
  };
}

function textCheck(what: string, pattern?: RegExp, patternText?: string): Check<string> {
  return (value) => {
    if (value.length > 1024) return problem(`expected ${what} of at most 1024 characters`);
    if (pattern && !pattern.test(value))
      return problem(`expected ${what}${patternText ? ` (${patternText})` : ''}`);
    return value;
  };
}

function intCheck(min: number, max: number, what: string): Check<number> {
  return (value) => {
    const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      return problem(`expected ${what} from ${min} to ${max}`);
    return n;
  };
}

const HEADER_SAFE = /^[\x21-\x7e]+$/; // goes into an HTTP header: printable ASCII without spaces

/** Parses and validates the agent's environment; throws AgentConfigError naming every bad variable. */
export function parseAgentEnv(raw: Record<string, string | undefined>): AgentEnv {
  const problems: string[] = [];
  // An empty value counts as unset: `FOO=` in an env file or compose file means "not given".
  const read = <T>(name: keyof AgentEnv, check: Check<T>, fallback?: T, required?: string): T | undefined => {
    const value = raw[name];
    if (value === undefined || value.trim() === '') {
      if (fallback !== undefined) return fallback;
      if (required !== undefined) problems.push(`${name}: required, ${required}`);
      return undefined;
    }
    const result = check(value);
    if (isProblem(result)) {
      problems.push(`${name}: ${result.problem}`);
      return undefined;
    }
    return result;
  };

  const env = {
    ODOO_URL: read(
      'ODOO_URL',
      urlCheck(['http:', 'https:'], 'an http:// or https:// URL of the Odoo server'),
      undefined,
      'the http:// or https:// URL of the Odoo server, e.g. https://odoo.example.lan',
    ),
    ODOO_DB: read('ODOO_DB', textCheck('an Odoo database name'), undefined, 'the name of the Odoo database'),
    ODOO_USER: read(
      'ODOO_USER',
      textCheck('an Odoo login'),
      undefined,
      'the login of the Odoo user the agent reads stock as',
    ),
    ODOO_API_KEY: read(
      'ODOO_API_KEY',
      textCheck('an Odoo API key', HEADER_SAFE, 'no spaces or control characters'),
      undefined,
      'an API key of ODOO_USER (Odoo: Preferences > Account Security > New API Key)',
    ),
    AMQP_URL: read(
      'AMQP_URL',
      urlCheck(['amqp:', 'amqps:'], 'an amqp:// or amqps:// URL of the local RabbitMQ'),
      AGENT_ENV_DEFAULTS.AMQP_URL,
    ),
    RELAY_URL: read(
      'RELAY_URL',
      urlCheck(['ws:', 'wss:'], "a ws:// or wss:// URL of the relay's /agent endpoint"),
      undefined,
      "the ws:// or wss:// URL of the relay's /agent endpoint, e.g. wss://relay.example.com/agent",
    ),
    AGENT_TOKEN: read(
      'AGENT_TOKEN',
      textCheck('an agent token', HEADER_SAFE, 'no spaces or control characters'),
      undefined,
      'the token the relay showed when this agent was created',
    ),
    POLL_INTERVAL_MS: read(
      'POLL_INTERVAL_MS',
      intCheck(200, 3_600_000, 'a whole number of milliseconds'),
      AGENT_ENV_DEFAULTS.POLL_INTERVAL_MS,
    ),
    ODOO_OVERLAP_MS: read(
      'ODOO_OVERLAP_MS',
      intCheck(0, 86_400_000, 'a whole number of milliseconds'),
      AGENT_ENV_DEFAULTS.ODOO_OVERLAP_MS,
    ),
    AGENT_STATE_DIR: read(
      'AGENT_STATE_DIR',
      textCheck('a directory path'),
      AGENT_ENV_DEFAULTS.AGENT_STATE_DIR,
    ),
    AGENT_HTTP_PORT: read(
      'AGENT_HTTP_PORT',
      intCheck(0, 65_535, 'a TCP port number (0 = any free port)'),
      AGENT_ENV_DEFAULTS.AGENT_HTTP_PORT,
    ),
    AGENT_HINT_SECRET: read(
      'AGENT_HINT_SECRET',
      (v) =>
        v.length >= 16 && HEADER_SAFE.test(v)
          ? v
          : problem('expected at least 16 characters without spaces (or leave it unset to disable hints)'),
      null,
    ),
    LOG_LEVEL: read(
      'LOG_LEVEL',
      (v): LogLevel | { problem: string } => {
        const level = LOG_LEVELS.find((l) => l === v.trim().toLowerCase());
        return level ?? problem(`expected one of ${LOG_LEVELS.join(', ')}`);
      },
      AGENT_ENV_DEFAULTS.LOG_LEVEL,
    ),
    UPLINK_WINDOW: read(
      'UPLINK_WINDOW',
      intCheck(1, 1000, 'a whole number of frames in flight'),
      AGENT_ENV_DEFAULTS.UPLINK_WINDOW,
    ),
  };
  if (problems.length > 0) throw new AgentConfigError(problems);
  return env as AgentEnv; // every field is set: a missing one added a problem above
}

/** A URL safe to print: the password (and user) never reach a log line or a message. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    // An empty path prints as "/" for special schemes only; keep amqp://host:port as written.
    return u.href.replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
