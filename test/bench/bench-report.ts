import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** One printed table: the header row and the data rows, every cell already formatted. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

/** What a scenario hands back; the runner adds the scenario name and the machine. */
export interface ScenarioOutcome {
  params: Record<string, unknown>;
  results: Record<string, unknown>;
  target: string;
  met: boolean;
  tables: Table[];
  notes: string[]; // how to read the numbers: what was scaled, what was simulated, what limits them
}

export interface MachineInfo {
  cpus: number; // os.availableParallelism(): what `nproc` shows
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  postgres: string;
  rabbitmq: string;
  loadAverage1m: number; // at the start: the machine is shared, so say how busy it was
}

export interface ScenarioReport extends Omit<ScenarioOutcome, 'tables'> {
  scenario: string;
  machine: MachineInfo;
  durationMs: number;
  error?: string; // set when the scenario failed or ran out of time; met is then false
  tables: Table[];
}

export function machineInfo(versions: { postgres: string; rabbitmq: string }): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    postgres: versions.postgres,
    rabbitmq: versions.rabbitmq,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A fixed-width text table for the terminal. */
export function renderTable(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [table.title, line(table.columns), rule, ...table.rows.map(line)].join('\n');
}

function markdownTable(table: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(esc).join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export interface RunSummary {
  startedAt: Date;
  command: string;
  quick: boolean;
  machine: MachineInfo;
  scenarios: ScenarioReport[];
}

/** Writes latest.json (machine-readable) and latest.md (for people) atomically into `dir`. */
export function writeResults(dir: string, run: RunSummary): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, 'latest.json');
  const mdPath = join(dir, 'latest.md');
  const json = {
    date: run.startedAt.toISOString(),
    command: run.command,
    quick: run.quick,
    machine: run.machine,
    scenarios: run.scenarios.map(({ tables: _tables, ...rest }) => rest),
  };
  writeAtomically(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeAtomically(mdPath, renderMarkdown(run));
  return { json: jsonPath, md: mdPath };
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function renderMarkdown(run: RunSummary): string {
  const m = run.machine;
  const out: string[] = [
    '# StockBridge benchmark results',
    '',
    `- Date: ${run.startedAt.toISOString()}`,
    `- Command: \`${run.command}\`${run.quick ? ' (quick: smaller sizes, not representative)' : ''}`,
    `- Machine: nproc ${m.cpus} (${m.cpuModel}), memory ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`,
    `- Services: PostgreSQL ${m.postgres}, RabbitMQ ${m.rabbitmq} (same machine; the bench uses its own database and vhost)`,
    `- Load average (1 min) at start: ${m.loadAverage1m} — the machine is shared, so other work may have competed for the cores`,
    '',
    '| scenario | target | met | duration |',
    '| --- | --- | :---: | ---: |',
    ...run.scenarios.map(
      (s) =>
        `| ${s.scenario} | ${s.target} | ${s.error ? `no (${s.error.split('\n')[0] ?? ''})` : s.met ? 'yes' : 'no'} | ${(s.durationMs / 1000).toFixed(1)} s |`,
    ),
    '',
  ];
  for (const s of run.scenarios) {
    out.push(`## ${s.scenario}`, '', `Target: ${s.target} — **${s.met ? 'met' : 'not met'}**`, '');
    if (s.error) out.push('```', s.error, '```', '');
    for (const t of s.tables) out.push(markdownTable(t), '');
    if (s.notes.length > 0) out.push(...s.notes.map((n) => `- ${n}`), '');
    out.push(`Parameters: \`${JSON.stringify(s.params)}\``, '');
  }
  return out.join('\n');
}
