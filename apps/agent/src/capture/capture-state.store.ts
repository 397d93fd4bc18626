import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isRecord } from '@stockbridge/shared';
import { nextVersion } from './hybrid-clock';
import { isOdooDatetime } from './odoo-time';

/** Position in one model's change feed, in Odoo's own terms: the last (write_date, id) handled. */
export interface Cursor {
  writeDate: string;
  id: number;
}

/** The last level published for one product in one warehouse. */
export interface PublishedLevel {
  sku: string | null;
  barcode: string | null;
  onHand: number;
  free: number;
  forecast: number;
  active: boolean;
}

/** What one successful poll cycle hands to the store, applied only after the sink confirmed the events. */
export interface StateUpdate {
  cursors: Map<string, Cursor>;
  /** model → record id → fingerprint `<write_date>|<hash of the fields read>` now handled. */
  seen: Map<string, Map<number, string>>;
  /** model → start of the overlap window: fingerprints older than this can never come back and are dropped. */
  windowStart: Map<string, string>;
  /** `levelKey(productId, warehouse)` → level. */
  published: Map<string, PublishedLevel>;
}

export interface StateLogger {
  warn(obj: object, msg: string): void;
}

interface StateFileV1 {
  schema: 1;
  site: string | null;
  clock: number;
  cursors: Record<string, Cursor>;
  seen: Record<string, Record<string, string>>;
  published: Record<string, PublishedLevel>;
  savedAt: string;
}

export const STATE_FILE = 'capture-state.json';

export const levelKey = (productId: number, warehouse: string): string => `${productId}@${warehouse}`;

/**
 * The capture's durable state, one JSON file in AGENT_STATE_DIR: per-model cursors, the overlap de-dup set,
 * the last published level per (product, warehouse) and the version clock. Written atomically (temp file,
 * fsync, rename, fsync of the directory), so a crash leaves either the old or the new file, never a torn one.
 */
export class StateStore {
  private changed = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private data: StateFileV1,
  ) {}

  static async open(dir: string, logger?: StateLogger): Promise<StateStore> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, STATE_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new StateStore(path, emptyState());
      throw new Error(
        `cannot read the capture state ${path}: ${(err as Error).message}: check AGENT_STATE_DIR`,
        {
          cause: err,
        },
      );
    }
    const parsed = parseStateFile(text);
    if (typeof parsed === 'string') {
      // Keep the bad file for inspection; start over (the reconciliation pass covers what the cursor would have).
      const aside = `${path}.corrupt-${Date.now()}`;
      await rename(path, aside);
      logger?.warn(
        { path, movedTo: aside, problem: parsed },
        `capture state ${path} is unreadable (${parsed}); moved it aside and starting from Odoo's newest changes`,
      );
      return new StateStore(path, emptyState());
    }
    return new StateStore(path, parsed);
  }

  /**
   * Ties the state to one Odoo database. Record ids mean nothing in another database, so pointing the agent
   * elsewhere drops cursors and published levels (the clock stays: versions never go back). True if reset.
   */
  bindSite(site: string): boolean {
    if (this.data.site === site) return false;
    const reset = this.data.site !== null;
    this.data = { ...emptyState(), clock: this.data.clock, site };
    this.changed = true;
    return reset;
  }

  get site(): string | null {
    return this.data.site;
  }

  cursor(model: string): Cursor | undefined {
    return this.data.cursors[model];
  }

  seenFingerprint(model: string, id: number): string | undefined {
    return this.data.seen[model]?.[String(id)];
  }

  published(productId: number, warehouse: string): PublishedLevel | undefined {
    return this.data.published[levelKey(productId, warehouse)];
  }

  get publishedCount(): number {
    return Object.keys(this.data.published).length;
  }

  /** Every (product, warehouse) with a published level, by product id: a snapshot finds the absent ones in it. */
  publishedKeys(): Array<{ productId: number; warehouse: string }> {
    const keys: Array<{ productId: number; warehouse: string }> = [];
    for (const key of Object.keys(this.data.published)) {
      const at = key.indexOf('@');
      const productId = Number(key.slice(0, at));
      if (at > 0 && Number.isSafeInteger(productId)) keys.push({ productId, warehouse: key.slice(at + 1) });
    }
    return keys.sort((a, b) => a.productId - b.productId);
  }

  /**
   * Next event version from the hybrid clock; the clock is saved with the next save. `markChanged: false` (a
   * snapshot, taking thousands of versions) does not make the next poll rewrite the whole file for the clock
   * alone: the snapshot saves once at its end (`flush`). A crash before that only loses a clock that runs at
   * most a few hundred ms ahead of the wall clock it restarts from.
   */
  nextVersion(nowMs: number = Date.now(), markChanged = true): number {
    this.data.clock = nextVersion(this.data.clock, nowMs);
    if (markChanged) this.changed = true;
    return this.data.clock;
  }

  /** Saves now, even when only the clock moved. */
  flush(): Promise<void> {
    this.changed = true;
    return this.save();
  }

  get clock(): number {
    return this.data.clock;
  }

  /** `markChanged: false`: a snapshot page; its updates are saved with the next save or the snapshot's flush. */
  apply(update: StateUpdate, markChanged = true): void {
    for (const [model, cursor] of update.cursors) this.data.cursors[model] = cursor;
    for (const [model, rows] of update.seen) {
      const seen = (this.data.seen[model] ??= {});
      for (const [id, fingerprint] of rows) seen[String(id)] = fingerprint;
    }
    for (const [model, from] of update.windowStart) {
      const seen = this.data.seen[model];
      if (!seen) continue;
      for (const [id, fingerprint] of Object.entries(seen)) {
        if (fingerprint.slice(0, fingerprint.indexOf('|')) < from) delete seen[id];
      }
    }
    for (const [key, level] of update.published) this.data.published[key] = level;
    if (markChanged && update.cursors.size + update.seen.size + update.published.size > 0)
      this.changed = true;
  }

  get unsaved(): boolean {
    return this.changed;
  }

  /** Writes the state if it changed since the last save. Saves never overlap. */
  save(): Promise<void> {
    const next = this.saving.then(() => this.writeNow());
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async writeNow(): Promise<void> {
    if (!this.changed) return;
    this.changed = false;
    const text = JSON.stringify({ ...this.data, savedAt: new Date().toISOString() });
    const tmp = `${this.path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      const file = await open(tmp, 'w', 0o600);
      try {
        await file.writeFile(text, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
      await syncDirectory(this.path);
    } catch (err) {
      this.changed = true; // try again with the next save
      await unlink(tmp).catch(() => undefined);
      throw new Error(
        `cannot save the capture state to ${this.path}: ${(err as Error).message}: check AGENT_STATE_DIR (space, rights)`,
        { cause: err },
      );
    }
  }
}

/** Makes the rename itself durable (Linux; other systems may refuse to open a directory). */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(dirname(path), 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

function emptyState(): StateFileV1 {
  return { schema: 1, site: null, clock: 0, cursors: {}, seen: {}, published: {}, savedAt: '' };
}

const isCursor = (v: unknown): v is Cursor =>
  isRecord(v) && isOdooDatetime(v['writeDate']) && Number.isSafeInteger(v['id']);
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isLevel = (v: unknown): v is PublishedLevel =>
  isRecord(v) &&
  isNullableString(v['sku']) &&
  isNullableString(v['barcode']) &&
  Number.isFinite(v['onHand']) &&
  Number.isFinite(v['free']) &&
  Number.isFinite(v['forecast']) &&
  typeof v['active'] === 'boolean';

/** The state file, checked field by field; a string names what is wrong. */
export function parseStateFile(text: string): StateFileV1 | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (!isRecord(raw)) return 'expected an object';
  if (raw['schema'] !== 1) return `schema: expected 1, got ${JSON.stringify(raw['schema'])}`;
  if (!isNullableString(raw['site'])) return 'site: expected a string or null';
  if (!Number.isSafeInteger(raw['clock']) || (raw['clock'] as number) < 0)
    return 'clock: expected an integer';
  const cursors = raw['cursors'];
  if (!isRecord(cursors) || !Object.values(cursors).every(isCursor)) return 'cursors: invalid';
  const seen = raw['seen'];
  if (
    !isRecord(seen) ||
    !Object.values(seen).every((m) => isRecord(m) && Object.values(m).every((f) => typeof f === 'string'))
  ) {
    return 'seen: invalid';
  }
  const published = raw['published'];
  if (!isRecord(published) || !Object.values(published).every(isLevel)) return 'published: invalid';
  return {
    schema: 1,
    site: raw['site'],
    clock: raw['clock'] as number,
    cursors: cursors as Record<string, Cursor>,
    seen: seen as Record<string, Record<string, string>>,
    published: published as Record<string, PublishedLevel>,
    savedAt: typeof raw['savedAt'] === 'string' ? raw['savedAt'] : '',
  };
}
