import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../apps/agent/src/logging/logger';

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

/** The agent's real logger (same redaction), writing into an array a test can read. */
export function memoryLogger(level: 'debug' | 'info' | 'warn' = 'debug'): {
  logger: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n'))
        if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: createLogger(level, stream), lines };
}

/** Lines whose message matches. */
export function logged(lines: LogLine[], pattern: RegExp): LogLine[] {
  return lines.filter((l) => pattern.test(l.msg));
}
