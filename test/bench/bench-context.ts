import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchServices } from './bench-env';
import type { ScenarioOutcome } from './bench-report';

/** What every scenario gets from the runner. */
export interface BenchContext {
  quick: boolean;
  services: BenchServices;
  /** Aborted when the scenario's time is up: loops stop and the scenario reports what it has. */
  signal: AbortSignal;
  /** Wall-clock deadline of the scenario (ms epoch), for sub-steps that size their own waits. */
  deadline: number;
  /** Progress for the terminal (stderr), so stdout carries only the tables. */
  log(line: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  /** Hard bound on the scenario, setup and clean-up included. */
  timeLimitMs(quick: boolean): number;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}

/** Polls `check` until it returns a value, the deadline passes or the signal aborts (then undefined). */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  opts: { intervalMs: number; deadline: number; signal: AbortSignal },
): Promise<T | undefined> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= opts.deadline || opts.signal.aborted) return undefined;
    await sleep(opts.intervalMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

export const fmt = {
  int: (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  dec: (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a'),
  pct: (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : 'n/a'),
  ms: (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a'),
  s: (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a'),
};
