import type { CaptureStatus, CycleReport } from '../capture/capture.service';
import { OdooError } from '../odoo/odoo-error';
import type { AgentMetrics } from './agent-metrics';

/**
 * Turns capture's cycle reports into poll metrics and tells Odoo failures from outbox failures. Capture calls
 * `onCycle` after every poll, so each successful poll is timed exactly and each failed one counted once, by
 * the kind of its OdooError (a refused publish or a disk error is not Odoo's problem).
 */
export class CaptureObserver {
  private lastError: unknown = null;

  constructor(
    private readonly status: () => Readonly<CaptureStatus>,
    private readonly metrics: AgentMetrics,
  ) {}

  onCycle(cycle: CycleReport): void {
    this.lastError = cycle.error;
    if (cycle.error === null) this.metrics.pollDuration.observe(cycle.durationMs / 1000);
    else if (cycle.error instanceof OdooError) {
      this.metrics.odooErrors.inc({ kind: cycle.error.kind });
    }
  }

  /** Why Odoo was not reached on the last poll, or null when it was. A failing outbox is not Odoo's problem. */
  odooProblem(): string | null {
    const s = this.status();
    if (s.lastPollAt === null) return 'Odoo: not polled yet';
    if (this.lastError !== null) return this.lastError instanceof OdooError ? this.lastError.message : null;
    return s.lastSuccessAt === null ? 'Odoo: the first poll has not finished yet' : null;
  }
}
