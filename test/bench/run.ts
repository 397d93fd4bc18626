import { resolve } from 'node:path';
import type { BenchContext, Scenario } from './bench-context';
import { prepareServices, type BenchServices } from './bench-env';
import { machineInfo, renderTable, writeResults, type ScenarioReport } from './bench-report';
import { CHANNEL_LABELS, type ChannelLabel } from './channel-backlogs';
import { pushDrainScenario } from './push-drain.bench';
import { reconcileScenario } from './reconcile.bench';
import { relayIngestScenario } from './relay-ingest.bench';
import { syncLatencyScenario } from './sync-latency.bench';

/**
 * `npm run bench [-- --only <scenario>[,<scenario>]] [--quick] [--channels <label>,...]`: runs the benchmarks
 * against a fresh PostgreSQL database and RabbitMQ vhost (both dropped at the end), prints a table per scenario
 * and writes bench-results/latest.json and latest.md.
 */
const RESULTS_DIR = resolve(__dirname, '../../../bench-results'); // dist/test/bench -> repository root

const USAGE = `usage: npm run bench -- [--only <scenario>[,<scenario>]] [--quick] [--channels <channel>,...]
  scenarios: push-drain, relay-ingest, sync-latency, reconcile (default: all, in this order)
  --quick     smaller sizes (a smoke run; its numbers are not representative)
  --channels  push-drain only: ${CHANNEL_LABELS.join(', ')}`;

interface Args {
  only: string[] | null;
  quick: boolean;
  channels: ChannelLabel[] | null;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { only: null, quick: false, channels: null };
  const list = (flag: string, value: string | undefined): string[] => {
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag}: expected a value`);
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only') args.only = list(arg, argv[++i]);
    else if (arg === '--channels') {
      const wanted = list(arg, argv[++i]);
      const unknown = wanted.filter((c) => !(CHANNEL_LABELS as readonly string[]).includes(c));
      if (unknown.length > 0) throw new UsageError(`--channels: unknown ${unknown.join(', ')}`);
      args.channels = wanted as ChannelLabel[];
    } else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
  }
  return args;
}

function commandLine(argv: readonly string[]): string {
  const rest = argv.length > 0 ? ` -- ${argv.join(' ')}` : '';
  return process.env['npm_lifecycle_event'] === 'bench'
    ? `npm run bench${rest}`
    : `node dist/test/bench/run.js${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`;
}

const progress = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Runs one scenario under its time limit; a failure or a timeout becomes a report with met=false. */
async function runScenario(
  scenario: Scenario,
  services: BenchServices,
  quick: boolean,
  machine: ScenarioReport['machine'],
): Promise<ScenarioReport> {
  const limitMs = scenario.timeLimitMs(quick);
  const started = Date.now();
  const abort = new AbortController();
  const ctx: BenchContext = {
    quick,
    services,
    signal: abort.signal,
    deadline: started + limitMs,
    log: (line) => progress(line),
  };
  progress(`${scenario.name}: ${scenario.description} (time limit ${limitMs / 1000} s)`);
  // Soft limit: the scenario sees the signal and wraps up; the hard limit gives up on it 30 s later.
  const soft = setTimeout(() => abort.abort(), limitMs);
  let hard: NodeJS.Timeout | undefined;
  const hardLimit = new Promise<never>((_, reject) => {
    hard = setTimeout(
      () => reject(new Error(`${scenario.name} did not finish within ${limitMs / 1000 + 30} s`)),
      limitMs + 30_000,
    );
  });
  try {
    const outcome = await Promise.race([scenario.run(ctx), hardLimit]);
    const timedOut = abort.signal.aborted;
    return {
      scenario: scenario.name,
      ...outcome,
      met: outcome.met && !timedOut,
      machine,
      durationMs: Date.now() - started,
      ...(timedOut ? { error: `time limit of ${limitMs / 1000} s reached; results are partial` } : {}),
    };
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    progress(`${scenario.name} failed: ${message}`);
    return {
      scenario: scenario.name,
      params: {},
      results: {},
      target: '',
      met: false,
      tables: [],
      notes: [],
      machine,
      durationMs: Date.now() - started,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(soft);
    clearTimeout(hard);
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`${err.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  const all: Scenario[] = [
    pushDrainScenario(args.channels ? { channels: args.channels } : {}),
    relayIngestScenario,
    syncLatencyScenario,
    reconcileScenario,
  ];
  const unknown = (args.only ?? []).filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`--only: unknown scenario ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = args.only ? all.filter((s) => args.only?.includes(s.name)) : all;

  const startedAt = new Date();
  const services = await prepareServices();
  progress(`database and vhost ${services.name} ready`);
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${sig}: dropping ${services.name} and stopping`);
    void services.dispose().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const machine = machineInfo(services.versions);
  const reports: ScenarioReport[] = [];
  try {
    for (const scenario of selected) {
      const report = await runScenario(scenario, services, args.quick, machine);
      reports.push(report);
      process.stdout.write('\n');
      for (const table of report.tables) process.stdout.write(`${renderTable(table)}\n\n`);
      process.stdout.write(
        `${report.scenario}: target ${report.target || 'n/a'} — ${report.met ? 'MET' : 'NOT MET'}` +
          `${report.error ? ` (${report.error})` : ''}\n`,
      );
    }
  } finally {
    await services.dispose().catch((err: unknown) => progress(String(err)));
    progress(`database and vhost ${services.name} dropped`);
  }

  const files = writeResults(RESULTS_DIR, {
    startedAt,
    command: commandLine(argv),
    quick: args.quick,
    machine,
    scenarios: reports,
  });
  process.stdout.write(`\nresults: ${files.json}\n         ${files.md}\n`);
  // A missed target is a finding (in the tables and files), not a crash: only a failed scenario fails the run.
  return reports.some((r) => r.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
