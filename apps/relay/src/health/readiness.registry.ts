import { Injectable } from '@nestjs/common';

/** A dependency check for /readyz: resolves when usable, throws with a reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

/**
 * Features register their dependencies here (the database now; the push feature adds the broker), so /readyz
 * reports every one of them by name.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Runs every check in parallel, each bounded by `timeoutMs`. */
  async run(timeoutMs = 2_000): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, string]> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await Promise.race([check(), timeout]);
          return [name, 'ok'];
        } catch (err) {
          return [name, `error: ${err instanceof Error ? err.message : String(err)}`];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
  }
}
