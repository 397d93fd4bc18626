import type { CaptureStatus } from '../capture/capture.service';
import { createLogger } from '../logging/logger';
import { AgentMetrics } from './agent-metrics';
import { CaptureObserver } from './capture-observer';

const ODOO_DOWN = 'Odoo at http://odoo is unreachable (ECONNREFUSED): check ODOO_URL and that Odoo runs';
const OUTBOX_DOWN = 'publishing 3 level events to the outbox failed (RabbitMQ down); the Odoo cursor stays';

/** Drives the observer through the status snapshots capture shows during a sequence of polls. */
function setup() {
  const metrics = new AgentMetrics();
  const status: CaptureStatus = {
    lastPollAt: null,
    lastSuccessAt: null,
    lastError: null,
    odooVersion: null,
    pollDurationMs: null,
  };
  const versions: string[] = [];
  const observer = new CaptureObserver(
    () => status,
    metrics,
    (v) => versions.push(v),
  );
  const log = observer.captureLogger(createLogger('silent'));
  let t = 1_000_000;
  const begin = (): void => {
    status.lastPollAt = new Date((t += 1000));
    observer.sample(); // sampled while the poll runs
  };
  const succeed = (ms: number): void => {
    status.lastSuccessAt = new Date(t + ms);
    status.lastError = null;
    status.pollDurationMs = ms;
    status.odooVersion = '17.0';
    observer.sample();
  };
  const fail = (message: string, kind: string, logged: boolean): void => {
    status.lastError = message;
    status.pollDurationMs = 5;
    if (logged) log.error({ kind }, message); // capture logs each distinct problem once
    observer.sample();
  };
  const count = async (name: string): Promise<string> => {
    const m = await metrics.registry.getSingleMetricAsString(name);
    return m
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
  };
  return { observer, status, begin, succeed, fail, count, versions };
}

describe('CaptureObserver', () => {
  it('times successful polls and counts failed ones by kind, repeated identical failures included', async () => {
    const { observer, begin, succeed, fail, count, versions } = setup();
    expect(observer.odooProblem()).toBe('Odoo: not polled yet');
    begin();
    expect(observer.odooProblem()).toBe('Odoo: the first poll has not finished yet');
    succeed(40);
    expect(versions).toEqual(['17.0']);
    begin();
    fail(ODOO_DOWN, 'unreachable', true);
    expect(observer.odooProblem()).toBe(ODOO_DOWN);
    begin();
    fail(ODOO_DOWN, 'unreachable', false);
    begin();
    fail(ODOO_DOWN, 'unreachable', false);
    begin(); // the third failure is seen once the next poll starts
    succeed(20);
    expect(observer.odooProblem()).toBeNull();

    expect(await count('agent_odoo_errors_total')).toContain('agent_odoo_errors_total{kind="unreachable"} 3');
    expect(await count('agent_odoo_poll_duration_seconds')).toContain(
      'agent_odoo_poll_duration_seconds_count 2',
    );
    expect(await count('agent_odoo_poll_duration_seconds')).toContain(
      'agent_odoo_poll_duration_seconds_sum 0.06',
    );
  });

  it('does not blame Odoo when the outbox refused the levels', async () => {
    const { observer, begin, succeed, fail, count } = setup();
    begin();
    succeed(10);
    begin();
    fail(OUTBOX_DOWN, 'PublishError', true);
    expect(observer.odooProblem()).toBeNull();
    begin();
    expect(await count('agent_odoo_errors_total')).not.toMatch(/ [1-9]/);
  });
});
