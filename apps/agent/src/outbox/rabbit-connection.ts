import { EventEmitter } from 'node:events';
import { connect, type ChannelModel } from 'amqplib';
import { backoffDelay, type BackoffPolicy } from '@stockbridge/shared';
import type { Logger } from '../logging/logger';
import { describeAmqpError } from './amqp-errors';
import { assertOutboxTopology } from './outbox.topology';

export interface RabbitConnectionOptions {
  url: string;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** Heartbeat in seconds: a dead broker is noticed within about twice this. */
  heartbeatSeconds?: number;
  connectTimeoutMs?: number;
  connectionName?: string;
}

interface RabbitEvents {
  up: [model: ChannelModel];
  down: [reason: string];
}

/**
 * The agent's one connection to its local RabbitMQ. Connects in the background, declares the outbox topology on
 * every connect, and reconnects with jittered backoff when the connection drops. Publisher and pump follow its
 * `up`/`down` events; while it is down they refuse work rather than buffer it in memory.
 */
export class RabbitConnection extends EventEmitter<RabbitEvents> {
  private model: ChannelModel | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private stopped = true;
  private lastProblem: string | null = null;
  private readonly log: Logger;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: RabbitConnectionOptions) {
    super();
    this.log = options.logger.child({ component: 'rabbitmq' });
    this.backoff = options.backoff ?? { baseMs: 500, maxMs: 30_000 };
  }

  /** The configured URL, with its password: pass it to describeAmqpError, never to a log. */
  get url(): string {
    return this.options.url;
  }

  get current(): ChannelModel | null {
    return this.model;
  }

  get connected(): boolean {
    return this.model !== null;
  }

  /** Why the broker is not usable right now (one sentence), or null when connected. */
  get problem(): string | null {
    return this.model ? null : (this.lastProblem ?? 'RabbitMQ: not connected yet');
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connecting = this.tryConnect();
  }

  /** Resolves once connected; rejects with the latest problem after `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<ChannelModel> {
    if (this.model) return this.model;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('up', onUp);
        reject(new Error(this.problem ?? 'RabbitMQ: not connected'));
      }, timeoutMs);
      const onUp = (model: ChannelModel): void => {
        clearTimeout(timer);
        resolve(model);
      };
      this.once('up', onUp);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.connecting;
    const model = this.model;
    this.model = null;
    if (model) {
      this.emit('down', 'RabbitMQ: the agent is stopping');
      await model.close().catch(() => undefined);
    }
  }

  private connectUrl(): string {
    // A short heartbeat notices a broker that vanished without closing the socket (the default is 60 s).
    const url = new URL(this.options.url);
    if (!url.searchParams.has('heartbeat'))
      url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 10));
    return url.href;
  }

  private async tryConnect(): Promise<void> {
    let model: ChannelModel | undefined;
    try {
      model = await connect(this.connectUrl(), {
        timeout: this.options.connectTimeoutMs ?? 10_000,
        clientProperties: { connection_name: this.options.connectionName ?? 'stockbridge-agent' },
      });
      await assertOutboxTopology(model);
    } catch (err) {
      await model?.close().catch(() => undefined);
      this.onFailure(describeAmqpError(this.options.url, err));
      return;
    } finally {
      this.connecting = undefined;
    }
    if (this.stopped) {
      await model.close().catch(() => undefined);
      return;
    }
    this.attempt = 0;
    this.lastProblem = null;
    this.model = model;
    model.on('error', (err: Error) => {
      // 'close' follows with the same error; logging here would say it twice.
      this.log.debug({ err: err.message }, 'RabbitMQ connection error');
    });
    model.on('blocked', (reason: string) =>
      this.log.warn(
        `RabbitMQ blocked publishing (${reason}): outbox writes wait until the broker frees memory or disk`,
      ),
    );
    model.on('unblocked', () => this.log.info('RabbitMQ unblocked publishing'));
    model.on('close', (err?: Error) => {
      if (this.model !== model) return;
      this.model = null;
      const reason = err ? describeAmqpError(this.options.url, err) : 'RabbitMQ closed the connection';
      this.log.warn(`RabbitMQ connection lost: ${reason}; reconnecting`);
      this.emit('down', reason);
      this.onFailure(reason, true);
    });
    this.log.info(`connected to RabbitMQ at ${new URL(this.options.url).host}`);
    this.emit('up', model);
  }

  private onFailure(reason: string, quiet = false): void {
    if (this.stopped) return;
    // Say it once per distinct problem: a broker that stays down would otherwise fill the log.
    if (!quiet && reason !== this.lastProblem) this.log.error(reason);
    this.lastProblem = reason;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.timer = setTimeout(() => {
      this.connecting = this.tryConnect();
    }, delay);
  }
}
