import type { CaptureLogger, CaptureStatus } from '../capture/capture.service';
import { ODOO_ERROR_KINDS, type OdooErrorKind } from '../odoo/odoo-error';
import type { Logger } from '../logging/logger';
import type { AgentMetrics } from './agent-metrics';

const ODOO_KINDS = new Set<string>(ODOO_ERROR_KINDS);
const isOdooKind = (kind: string | undefined): kind is OdooErrorKind =>
  kind !== undefined && ODOO_KINDS.has(kind);

/**
 * Turns capture's status into poll metrics and tells Odoo failures from outbox failures.
 * Capture exposes a status snapshot, not per-cycle events, so this samples it (every 100 ms; polls are at least
 * 200 ms apart). A changed `lastSuccessAt` is a finished successful poll, and its duration is exact. A failed poll
 * is counted as soon as a new error message appears, else when the next poll starts (a repeated identical
 * failure changes nothing visible until then). The kind of each message is learned from the line capture logs
 * the first time it meets it (`{kind}`), so repeated failures are still counted by kind.
 */
export class CaptureObserver {
  private readonly kindOf = new Map<string, string>(); // error message -> kind
  private readonly counted: number[] = []; // starts of the polls already counted (the last few)
  private lastSuccess: number | null = null;
  private lastSeenStart: number | null = null;
  private lastSeenError: string | null = null;
  private lastOdooVersion: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly status: () => Readonly<CaptureStatus>,
    private readonly metrics: AgentMetrics,
    /** Called when capture learns (or relearns) the Odoo version: the relay's status should show it soon. */
    private readonly onOdooVersion?: (version: string) => void,
  ) {}

  /** The logger to give capture: forwards every line, and remembers the kind of each error message. */
  captureLogger(logger: Logger): CaptureLogger {
    const log = logger.child({ component: 'capture' });
    return {
      info: (obj, msg) => log.info(obj, msg),
      warn: (obj, msg) => log.warn(obj, msg),
      error: (obj, msg) => {
        const kind = (obj as { kind?: unknown }).kind;
        if (typeof kind === 'string') this.kindOf.set(msg, kind);
        log.error(obj, msg);
      },
    };
  }

  start(everyMs = 100): void {
    this.timer ??= setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Why Odoo was not reached on the last poll, or null when it was. A failing outbox is not Odoo's problem. */
  odooProblem(): string | null {
    const s = this.status();
    if (s.lastPollAt === null) return 'Odoo: not polled yet';
    if (s.lastError !== null) {
      const kind = this.kindOf.get(s.lastError);
      if (kind === undefined || isOdooKind(kind)) return s.lastError;
      return null; // the poll read Odoo, then the outbox refused the levels
    }
    return s.lastSuccessAt === null ? 'Odoo: the first poll has not finished yet' : null;
  }

  sample(): void {
    const s = this.status();
    const start = s.lastPollAt?.getTime() ?? null;
    const success = s.lastSuccessAt?.getTime() ?? null;
    if (success !== null && success !== this.lastSuccess) {
      this.lastSuccess = success;
      if (s.pollDurationMs !== null) this.metrics.pollDuration.observe(s.pollDurationMs / 1000);
      // The next poll may already have started: then the success belongs to the previous one.
      const of = start !== null && success >= start ? start : this.lastSeenStart;
      if (of !== null) this.markCounted(of);
    }
    const failing = s.lastError !== null && start !== null && (success === null || success < start);
    if (failing && s.lastError !== this.lastSeenError && !this.counted.includes(start)) {
      this.countFailure(s.lastError); // a new message can only come from a poll that just failed
      this.markCounted(start);
    }
    if (start !== this.lastSeenStart) {
      const previous = this.lastSeenStart;
      if (previous !== null && !this.counted.includes(previous)) {
        const message = this.lastSeenError ?? s.lastError; // it ended without a success: it failed
        if (message !== null) this.countFailure(message);
        this.markCounted(previous);
      }
      this.lastSeenStart = start;
    }
    this.lastSeenError = s.lastError;
    if (s.odooVersion !== null && s.odooVersion !== this.lastOdooVersion) {
      this.lastOdooVersion = s.odooVersion;
      this.onOdooVersion?.(s.odooVersion);
    }
  }

  private markCounted(start: number): void {
    this.counted.push(start);
    if (this.counted.length > 8) this.counted.shift();
  }

  private countFailure(message: string): void {
    const kind = this.kindOf.get(message);
    if (isOdooKind(kind)) this.metrics.odooErrors.inc({ kind });
  }
}
