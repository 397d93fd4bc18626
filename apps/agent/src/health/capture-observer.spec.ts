import type { CaptureStatus, CycleReport } from '../capture/capture.service';
import { PublishError } from '../capture/poll-cycle';
import { OdooError } from '../odoo/odoo-error';
import { AgentMetrics } from './agent-metrics';
import { CaptureObserver } from './capture-observer';

const ODOO_DOWN = 'Odoo at http://odoo is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs';

/** Feeds the observer the cycle reports capture would send, with the status capture would show. */
function setup() {
  const metrics = new AgentMetrics();
  const status: CaptureStatus = {
    lastPollAt: null,
    lastSuccessAt: null,
    lastError: null,
    odooVersion: null,
    pollDurationMs: null,
  };
  const observer = new CaptureObserver(() => status, metrics);
  const cycle = (over: Partial<CycleReport>): void => {
    status.lastPollAt = new Date();
    const report: CycleReport = {
      durationMs: 10,
      error: null,
      changedLevels: 0,
      correlationId: null,
      reason: 'timer',
      ...over,
    };
    if (report.error === null) status.lastSuccessAt = new Date();
    observer.onCycle(report);
  };
  const sample = async (name: string): Promise<string> =>
    (await metrics.registry.getSingleMetricAsString(name))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
  return { observer, status, cycle, sample };
}

describe('CaptureObserver', () => {
  it('times each successful poll exactly and counts each failed one once, by kind', async () => {
    const { observer, status, cycle, sample } = setup();
    expect(observer.odooProblem()).toBe('Odoo: not polled yet');
    status.lastPollAt = new Date();
    expect(observer.odooProblem()).toBe('Odoo: the first poll has not finished yet');
    cycle({ durationMs: 40, changedLevels: 3, correlationId: 'poll-1' });
    const down = new OdooError('unreachable', ODOO_DOWN);
    cycle({ error: down });
    expect(observer.odooProblem()).toBe(ODOO_DOWN);
    cycle({ error: down }); // repeated identical failures each count
    cycle({ error: new OdooError('timeout', 'Odoo did not answer within 30 s') });
    cycle({ durationMs: 20 });
    expect(observer.odooProblem()).toBeNull();

    expect(await sample('agent_odoo_errors_total')).toContain(
      'agent_odoo_errors_total{kind="unreachable"} 2',
    );
    expect(await sample('agent_odoo_errors_total')).toContain('agent_odoo_errors_total{kind="timeout"} 1');
    const duration = await sample('agent_odoo_poll_duration_seconds');
    expect(duration).toContain('agent_odoo_poll_duration_seconds_count 2');
    expect(duration).toContain('agent_odoo_poll_duration_seconds_sum 0.06');
  });

  it('does not blame Odoo when the outbox refused the levels', async () => {
    const { observer, cycle, sample } = setup();
    cycle({ durationMs: 10 });
    cycle({ error: new PublishError(3, new Error('RabbitMQ down')) });
    expect(observer.odooProblem()).toBeNull();
    expect(await sample('agent_odoo_errors_total')).not.toMatch(/ [1-9]/);
    expect(await sample('agent_odoo_poll_duration_seconds')).toContain(
      'agent_odoo_poll_duration_seconds_count 1',
    );
  });
});
