import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/agent-env';

export type { Logger } from 'pino';

/** Any field with one of these names is replaced before a line is written: secrets never reach a log. */
const SECRET_FIELDS = ['token', 'apiKey', 'api_key', 'password', 'secret', 'authorization', 'cookie'];
const SECRET_ENV = ['AGENT_TOKEN', 'ODOO_API_KEY', 'AGENT_HINT_SECRET', 'AMQP_URL'];

export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_ENV,
  ...SECRET_ENV.map((f) => `*.${f}`),
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-stockbridge-hint-secret"]',
];

/** JSON lines on stdout (or `destination`, for tests), one logger per process; children add `component`. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'stockbridge-agent' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
