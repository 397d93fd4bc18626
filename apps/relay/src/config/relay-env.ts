import { Global, Module, type DynamicModule } from '@nestjs/common';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  registerDecorator,
  validateSync,
  type ValidationOptions,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** base64 of exactly `bytes` bytes: the AES-256-GCM key must be 32 real bytes, not a passphrase. */
function IsBase64Key(bytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isBase64Key',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `$property: expected base64 of ${bytes} random bytes (generate one with \`openssl rand -base64 ${bytes}\`)`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          /^[A-Za-z0-9+/]+={0,2}$/.test(value) &&
          Buffer.from(value, 'base64').length === bytes,
      },
    });
}

/**
 * Everything the relay reads from its environment, validated once at boot. Inject `RelayEnv`: typed, no string keys.
 * Other features add their own fields here (one class, so one error lists every bad variable).
 */
export class RelayEnv {
  @IsIn(NODE_ENVS, { message: `NODE_ENV: expected one of ${NODE_ENVS.join(', ')}` })
  NODE_ENV: NodeEnv = 'development';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Type(() => Number)
  @IsInt({ message: 'RELAY_PORT: expected an integer' })
  @Min(0, { message: 'RELAY_PORT: expected 0..65535' })
  @Max(65535, { message: 'RELAY_PORT: expected 0..65535' })
  RELAY_PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL: expected postgres://user:password@host:port/db',
  })
  DATABASE_URL!: string;

  @Matches(/^amqps?:\/\/\S+$/, { message: 'AMQP_URL: expected amqp://user:password@host:port[/vhost]' })
  AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

  @IsString({ message: 'ADMIN_API_KEY: expected a string' })
  @MinLength(24, { message: 'ADMIN_API_KEY: expected at least 24 characters' })
  ADMIN_API_KEY!: string;

  @IsBase64Key(32)
  RELAY_SECRET_KEY!: string;

  /** Set: GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. Unset: /metrics is public, like /healthz. */
  @IsOptional()
  @IsString({ message: 'METRICS_TOKEN: expected a string' })
  @MinLength(16, { message: 'METRICS_TOKEN: expected at least 16 characters' })
  METRICS_TOKEN?: string;

  // Push settings (PUSH_*): retry limits, backoff and pacing of the push workers.
  @Type(() => Number)
  @IsInt({ message: 'PUSH_MAX_ATTEMPTS: expected an integer' })
  @Min(1, { message: 'PUSH_MAX_ATTEMPTS: expected at least 1' })
  PUSH_MAX_ATTEMPTS = 8;

  @Type(() => Number)
  @IsInt({ message: 'PUSH_MAX_AGE_MS: expected an integer (ms)' })
  @Min(1000, { message: 'PUSH_MAX_AGE_MS: expected at least 1000' })
  PUSH_MAX_AGE_MS = 6 * 3600_000;

  @Type(() => Number)
  @IsInt({ message: 'PUSH_SWEEP_INTERVAL_MS: expected an integer (ms)' })
  @Min(100, { message: 'PUSH_SWEEP_INTERVAL_MS: expected at least 100' })
  PUSH_SWEEP_INTERVAL_MS = 5000;

  @Type(() => Number)
  @IsInt({ message: 'PUSH_BACKOFF_BASE_MS: expected an integer (ms)' })
  @Min(1, { message: 'PUSH_BACKOFF_BASE_MS: expected at least 1' })
  PUSH_BACKOFF_BASE_MS = 1000;

  @Type(() => Number)
  @IsInt({ message: 'PUSH_BACKOFF_MAX_MS: expected an integer (ms)' })
  @Min(1, { message: 'PUSH_BACKOFF_MAX_MS: expected at least 1' })
  PUSH_BACKOFF_MAX_MS = 300_000;

  /** Least time between two passes over one channel: changes arriving meanwhile share one call. */
  @Type(() => Number)
  @IsInt({ message: 'PUSH_COALESCE_MS: expected an integer (ms)' })
  @Min(0, { message: 'PUSH_COALESCE_MS: expected 0 or more' })
  @Max(5000, { message: 'PUSH_COALESCE_MS: expected at most 5000' })
  PUSH_COALESCE_MS = 200;

  /** Days the append-only logs (level events, deliveries) are kept; 0 keeps them forever. */
  @Type(() => Number)
  @IsInt({ message: 'RETENTION_DAYS: expected a whole number of days' })
  @Min(0, { message: 'RETENTION_DAYS: expected 0 (keep forever) or more' })
  @Max(3650, { message: 'RETENTION_DAYS: expected at most 3650' })
  RETENTION_DAYS = 30;

  /** How often an instance trims the logs to RETENTION_DAYS; 0 turns its trimming off. */
  @Type(() => Number)
  @IsInt({ message: 'RETENTION_TICK_MS: expected an integer (ms)' })
  @Min(0, { message: 'RETENTION_TICK_MS: expected 0 (off) or more' })
  RETENTION_TICK_MS = 3_600_000;

  // Reconciliation settings (RECONCILE_*): the scheduler and the snapshots asked of agents.
  /** How often each instance looks for tenants due a scheduled reconciliation; 0 turns its scheduler off. */
  @Type(() => Number)
  @IsInt({ message: 'RECONCILE_SCHEDULER_TICK_MS: expected an integer (ms)' })
  @Min(0, { message: 'RECONCILE_SCHEDULER_TICK_MS: expected 0 (off) or more' })
  RECONCILE_SCHEDULER_TICK_MS = 30_000;

  /** Products per snapshot chunk asked of agents (an agent also keeps a chunk within 500 levels). */
  @Type(() => Number)
  @IsInt({ message: 'RECONCILE_SNAPSHOT_PAGE_SIZE: expected an integer' })
  @Min(1, { message: 'RECONCILE_SNAPSHOT_PAGE_SIZE: expected 1..500' })
  @Max(500, { message: 'RECONCILE_SNAPSHOT_PAGE_SIZE: expected 1..500' })
  RECONCILE_SNAPSHOT_PAGE_SIZE = 500;

  /** An agent's snapshot that makes no progress for this long is given up; the run records why. */
  @Type(() => Number)
  @IsInt({ message: 'RECONCILE_SNAPSHOT_TIMEOUT_MS: expected an integer (ms)' })
  @Min(1000, { message: 'RECONCILE_SNAPSHOT_TIMEOUT_MS: expected at least 1000' })
  RECONCILE_SNAPSHOT_TIMEOUT_MS = 60_000;
}

/** Reads `raw` (usually process.env) into a RelayEnv; the error names each bad variable and never prints values. */
export function validateRelayEnv(raw: Record<string, unknown>): RelayEnv {
  // Empty strings count as unset, so `FOO= node main.js` gets the default or a clear "required" message.
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(RelayEnv, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const problems = [
        ...new Set(Object.values(e.constraints ?? {}).map((m) => m.replace(`${e.property}: `, ''))),
      ];
      const missing = present[e.property] === undefined;
      return `  ${e.property}: ${missing ? `required (${problems.join('; ')})` : problems.join('; ')}`;
    });
    throw new RelayEnvError(`Invalid relay environment:\n${lines.join('\n')}`);
  }
  return env;
}

export class RelayEnvError extends Error {
  override readonly name = 'RelayEnvError';
}

/** Global: every feature injects `RelayEnv`. Built from an already-validated env (main.ts or startRelay). */
@Global()
@Module({})
export class RelayConfigModule {
  static forRoot(env: RelayEnv): DynamicModule {
    return {
      module: RelayConfigModule,
      providers: [{ provide: RelayEnv, useValue: env }],
      exports: [RelayEnv],
    };
  }
}
