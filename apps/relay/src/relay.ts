import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { PinoLoggerService } from './common/logging/pino-logger.service';
import { validateRelayEnv } from './config/relay-env';
import { assertPostgresReachable, assertRabbitMqReachable } from './database/dependency-check';

export interface StartRelayOptions {
  port?: number; // 0: an ephemeral port; default RELAY_PORT
  env?: Partial<Record<string, string>>; // overrides process.env
  /** Where the JSON log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
}

export interface RunningRelay {
  app: INestApplication;
  url: string; // http://127.0.0.1:<port>; the agent endpoint is ws://127.0.0.1:<port>/agent
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a relay in this process (main.ts, e2e tests, the demo). Rejects with one clear message when the env is
 * invalid or PostgreSQL/RabbitMQ cannot be reached, before Nest starts.
 */
export async function startRelay(options: StartRelayOptions = {}): Promise<RunningRelay> {
  const env = validateRelayEnv({ ...process.env, ...options.env });
  await assertPostgresReachable(env.DATABASE_URL);
  await assertRabbitMqReachable(env.AMQP_URL);

  const logger = new PinoLoggerService(env.LOG_LEVEL, options.logDestination);
  const app = await NestFactory.create(AppModule.register(env, logger), { logger, abortOnError: false });
  try {
    configureApp(app);
    await app.listen(options.port ?? env.RELAY_PORT);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => (closing ??= app.close()),
  };
}
