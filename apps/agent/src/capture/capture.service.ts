import { backoffDelay } from '@stockbridge/shared';
import { OdooError, type OdooErrorKind } from '../odoo/odoo-error';
import type { OdooClient } from '../odoo/odoo.client';
import type { StateStore } from './capture-state.store';
import { KitMap } from './kit-map';
import type { LevelSink } from './level-sink';
import { PublishError, runPollCycle } from './poll-cycle';

/** pino-compatible. */
export interface CaptureLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CaptureOptions {
  pollIntervalMs: number;
  /** How far behind the cursor each poll looks again, for transactions that commit late. Default 10 min. */
  overlapMs?: number;
  /** search_read page size. Default 500. */
  pageSize?: number;
  /** Products per quantity `read`. Default 500. */
  readBatchSize?: number;
  logger: CaptureLogger;
  /** Called after every cycle, successful or not: exact per-poll metrics without sampling the status. */
  onCycle?: (cycle: CycleReport) => void;
  /** Called when capture connects to an Odoo whose version differs from the last one (the first included). */
  onOdooVersion?: (version: string) => void;
}

/** One finished poll cycle. */
export interface CycleReport {
  durationMs: number;
  /** What failed the cycle (an OdooError, a PublishError...), or null when it succeeded. */
  error: unknown;
  changedLevels: number;
  /** The poll's correlation id; null when the cycle failed before reading changes. */
  correlationId: string | null;
  reason: string;
}

export interface CaptureStatus {
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  odooVersion: string | null;
  pollDurationMs: number | null;
}

/** What exclusiveRead hands to its callback. */
export interface ExclusiveReadContext {
  odoo: OdooClient;
  kits: KitMap;
  state: StateStore;
  readBatchSize: number;
}

/** An Odoo client, or a factory that connects one (then capture connects lazily and reconnects after failures). */
export type OdooSource = OdooClient | (() => Promise<OdooClient>);

export const DEFAULT_OVERLAP_MS = 10 * 60_000;
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_READ_BATCH = 500;
const KIT_MAP_MAX_AGE_MS = 15 * 60_000;
/** Odoo 17/18 post the webhook *before* commit: poll again shortly after a hint to see the committed change. */
const HINT_FOLLOW_UP_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;
/** Failures after which a fresh connection is worth it (the server may have been upgraded or moved). */
const RECONNECT_KINDS = new Set<OdooErrorKind>(['unreachable', 'timeout', 'auth', 'database', 'protocol']);

/**
 * Polls Odoo for stock changes and publishes absolute levels to the sink. Cycles never overlap; failures are
 * logged once per distinct problem and retried with backoff; the cursor moves only after the sink confirmed.
 */
export class CaptureService {
  private client: OdooClient | undefined;
  private readonly connectOdoo: (() => Promise<OdooClient>) | undefined;
  private mrp: boolean | undefined;
  private kits: KitMap | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private cycleRunning = false;
  private pollQueued: string | null = null;
  private failures = 0;
  /** The last cycle read Odoo but could not hand its levels to the outbox. */
  private waitingForOutbox = false;
  private lastErrorKey: string | null = null;
  private lastErrorWasOdoo = false;
  private downSince: number | null = null;
  private readonly current: CaptureStatus = {
    lastPollAt: null,
    lastSuccessAt: null,
    lastError: null,
    odooVersion: null,
    pollDurationMs: null,
  };
  private readonly overlapMs: number;
  private readonly pageSize: number;
  private readonly readBatchSize: number;

  constructor(
    odoo: OdooSource,
    private readonly sink: LevelSink,
    private readonly state: StateStore,
    private readonly options: CaptureOptions,
  ) {
    if (typeof odoo === 'function') this.connectOdoo = odoo;
    else this.client = odoo;
    this.overlapMs = options.overlapMs ?? DEFAULT_OVERLAP_MS;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.readBatchSize = options.readBatchSize ?? DEFAULT_READ_BATCH;
    if (!(options.pollIntervalMs > 0)) throw new Error('capture: pollIntervalMs must be positive');
  }

  get status(): Readonly<CaptureStatus> {
    return { ...this.current };
  }

  /** Starts polling every pollIntervalMs (the first poll at once). Never throws: Odoo may be down at start. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0, 'start');
  }

  /** Stops polling; resolves once a running cycle has finished (its publish and save included). */
  async stop(): Promise<void> {
    this.started = false;
    this.pollQueued = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
  }

  /** A hint or a relay command: poll now, or right after the running cycle (requests coalesce). */
  requestPoll(reason: string): void {
    if (!this.started) return;
    if (this.cycleRunning) {
      this.pollQueued = reason;
      return;
    }
    this.schedule(0, reason);
  }

  /**
   * The outbox (RabbitMQ) is connected again. A cycle that failed only because it could not publish runs now
   * rather than after its back-off, which grows from the poll interval: after a broker restart, or when the first
   * poll beat the first connection, levels would otherwise wait a whole interval or more.
   */
  outboxAvailable(): void {
    if (this.waitingForOutbox) this.requestPoll('outbox');
  }

  /** Runs one cycle now (after a running one), rejecting with its error. */
  pollOnce(): Promise<{ changedLevels: number; dirtyProducts: number }> {
    const run = this.exclusive(() => this.cycle('manual'));
    run.then(
      () => this.drainQueued(),
      () => this.drainQueued(),
    );
    return run;
  }

  /**
   * Runs `fn` between two poll cycles with a connected Odoo and the kit map (loaded now if capture has none yet).
   * A reconciliation snapshot reads its pages through this: a page and the versions it takes never interleave
   * with a cycle, so versions keep the order of the reads and the published levels stay consistent.
   */
  exclusiveRead<T>(fn: (ctx: ExclusiveReadContext) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const odoo = await this.odoo();
      this.mrp ??= await this.detectMrp(odoo);
      if (this.mrp && !this.kits) this.kits = await KitMap.load(odoo, this.pageSize);
      return fn({
        odoo,
        kits: this.kits ?? KitMap.empty(),
        state: this.state,
        readBatchSize: this.readBatchSize,
      });
    });
  }

  /** Runs a poll requested while a cycle was running. One timer at most exists, so loops never double. */
  private drainQueued(): boolean {
    if (!this.started || this.pollQueued === null) return false;
    const reason = this.pollQueued;
    this.pollQueued = null;
    this.schedule(0, reason);
    return true;
  }

  private schedule(ms: number, reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick(reason);
    }, ms);
  }

  private async tick(reason: string): Promise<void> {
    let ok = true;
    try {
      await this.exclusive(() => this.cycle(reason));
    } catch {
      ok = false; // already logged by cycle()
    }
    if (!this.started || this.drainQueued()) return;
    const interval = this.options.pollIntervalMs;
    if (!ok) {
      const backoff = backoffDelay(this.failures - 1, { baseMs: interval, maxMs: MAX_RETRY_DELAY_MS });
      this.schedule(Math.min(MAX_RETRY_DELAY_MS, interval + backoff), 'retry');
    } else {
      this.schedule(reason === 'hint' ? Math.min(HINT_FOLLOW_UP_MS, interval) : interval, 'timer');
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async cycle(reason: string): Promise<{ changedLevels: number; dirtyProducts: number }> {
    this.cycleRunning = true;
    const startedAt = Date.now();
    this.current.lastPollAt = new Date(startedAt);
    const report: CycleReport = { durationMs: 0, error: null, changedLevels: 0, correlationId: null, reason };
    try {
      const odoo = await this.odoo();
      this.mrp ??= await this.detectMrp(odoo);
      const outcome = await runPollCycle({
        odoo,
        state: this.state,
        sink: this.sink,
        mrp: this.mrp,
        kits: this.kits,
        overlapMs: this.overlapMs,
        pageSize: this.pageSize,
        readBatchSize: this.readBatchSize,
        kitMapMaxAgeMs: KIT_MAP_MAX_AGE_MS,
      });
      if (outcome.kits) this.kits = outcome.kits;
      report.changedLevels = outcome.changedLevels;
      report.correlationId = outcome.correlationId;
      this.succeeded();
      if (outcome.initial) {
        this.options.logger.info(
          {
            correlationId: outcome.correlationId,
            products: outcome.dirtyProducts,
            levels: outcome.changedLevels,
          },
          `first poll: published the levels of all ${outcome.dirtyProducts} active products; from now on only changes`,
        );
      } else if (outcome.changedLevels > 0) {
        this.options.logger.info(
          {
            correlationId: outcome.correlationId,
            reason,
            changedLevels: outcome.changedLevels,
            dirtyProducts: outcome.dirtyProducts,
            odooCalls: outcome.odooCalls,
            ms: Date.now() - startedAt,
          },
          `published ${outcome.changedLevels} changed stock level${outcome.changedLevels === 1 ? '' : 's'}`,
        );
      }
      return { changedLevels: outcome.changedLevels, dirtyProducts: outcome.dirtyProducts };
    } catch (err) {
      report.error = err;
      this.failed(err);
      throw err;
    } finally {
      this.current.pollDurationMs = report.durationMs = Date.now() - startedAt;
      this.cycleRunning = false;
      this.guarded('onCycle', () => this.options.onCycle?.(report));
    }
  }

  /** Runs an observer hook: its bug must not turn a good poll into a failed one. */
  private guarded(hook: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.warn({ err }, `capture: the ${hook} observer failed`);
    }
  }

  private async odoo(): Promise<OdooClient> {
    const client = this.client ?? (this.connectOdoo ? await this.connectOdoo() : undefined);
    if (!client) throw new Error('capture: no Odoo client');
    if (client !== this.client) {
      this.client = client;
      this.mrp = undefined;
      this.options.logger.info(
        { odooVersion: client.version.label, transport: client.transportKind, db: client.target.db },
        `reading stock from Odoo ${client.version.label} at ${client.target.url} (${client.transportKind === 'json2' ? 'JSON-2' : 'JSON-RPC'})`,
      );
    }
    if (this.current.odooVersion !== client.version.label) {
      this.current.odooVersion = client.version.label;
      const version = client.version.label;
      this.guarded('onOdooVersion', () => this.options.onOdooVersion?.(version));
    }
    if (this.state.bindSite(`${client.target.url}|${client.target.db}`)) {
      this.kits = undefined;
      this.options.logger.warn(
        { db: client.target.db },
        `the capture state belonged to another Odoo database; starting from ${client.target.db}'s newest changes`,
      );
    }
    return client;
  }

  /** MRP installed and its BoMs readable; without read rights capture goes on, loudly, without kit refresh. */
  private async detectMrp(odoo: OdooClient): Promise<boolean> {
    if (!(await odoo.hasModel('mrp.bom'))) return false;
    try {
      await odoo.searchRead('mrp.bom', [], { fields: ['id'], limit: 1 });
      return true;
    } catch (err) {
      if (!(err instanceof OdooError && err.kind === 'access')) throw err;
      this.options.logger.warn(
        { kind: err.kind },
        `${err.message}; until then kits are not refreshed when their components move`,
      );
      return false;
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    this.waitingForOutbox = err instanceof PublishError;
    this.downSince ??= Date.now();
    const message = err instanceof Error ? err.message : String(err);
    const kind = err instanceof OdooError ? err.kind : err instanceof Error ? err.name : 'error';
    this.current.lastError = message;
    if (err instanceof OdooError && RECONNECT_KINDS.has(err.kind) && this.connectOdoo)
      this.client = undefined;
    const key = `${kind}:${message}`;
    if (key === this.lastErrorKey) return; // one line per problem, not one per retry
    this.lastErrorKey = key;
    this.lastErrorWasOdoo = err instanceof OdooError;
    this.options.logger.error({ kind, consecutiveFailures: this.failures }, message);
  }

  private succeeded(): void {
    this.waitingForOutbox = false;
    this.current.lastSuccessAt = new Date();
    this.current.lastError = null;
    if (this.lastErrorKey !== null) {
      const details = { downForMs: Date.now() - (this.downSince ?? Date.now()), failedPolls: this.failures };
      if (this.lastErrorWasOdoo) this.options.logger.info(details, 'Odoo reachable again');
      else this.options.logger.info(details, 'capture recovered: stock levels are published again');
    }
    this.failures = 0;
    this.lastErrorKey = null;
    this.downSince = null;
  }
}
