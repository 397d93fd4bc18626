import type { LevelEventV1 } from '@stockbridge/shared';
import { levelKey, type PublishedLevel } from './capture-state.store';
import type { ExclusiveReadContext } from './capture.service';
import { levelEvent, listWarehouses, type Warehouse } from './level-reader';
import { sameLevel } from './poll-cycle';
import { readSnapshotPage } from './snapshot-pager';

/** The part of CaptureService a snapshot needs: reads that never interleave with a poll cycle. */
export interface ExclusiveReader {
  exclusiveRead<T>(fn: (ctx: ExclusiveReadContext) => Promise<T>): Promise<T>;
}

/** One chunk's worth of a snapshot: every tracked product with afterProductId < id <= lastProductId. */
export interface SnapshotChunkData {
  afterProductId: number;
  lastProductId: number;
  events: LevelEventV1[];
  exhausted: boolean; // no tracked product after lastProductId
}

interface PublishedKey {
  productId: number;
  warehouse: string;
}

interface PendingLevel extends PublishedKey {
  before: PublishedLevel | undefined;
  after: PublishedLevel;
}

/** Products read from Odoo at once, as chunks of the relay's size: fewer, larger calls; capped for memory. */
export const READ_AHEAD_CHUNKS = 8;
export const MAX_READ_PAGE = 2_000;
const readPageSize = (chunk: number): number =>
  Math.max(chunk, Math.min(MAX_READ_PAGE, chunk * READ_AHEAD_CHUNKS));

/** One Odoo page: its tracked products in id order and their events. */
interface ReadPage {
  productIds: number[];
  events: Map<number, LevelEventV1[]>;
  exhausted: boolean;
}

/**
 * Reads one snapshot attempt page by page for the streamer. Each page is read between poll cycles and takes
 * fresh versions from the capture clock, so a snapshot level is newer than every level published before it and
 * older than any published after. Once the relay has stored the whole snapshot (`commit`), the capture's
 * published levels follow what it read, absences included (a product archived behind the poll's back is recorded
 * inactive): otherwise a later poll that reads the old figure again would think nothing changed and leave the
 * relay with the snapshot's. A snapshot that does not end changes nothing: the relay applies none of it either.
 */
export class SnapshotReader {
  private constructor(
    private readonly capture: ExclusiveReader,
    private readonly sites: readonly Warehouse[],
    /** The agent's version clock when the attempt began: every level published before is older. */
    readonly version: number,
    private readonly publishedKeys: readonly PublishedKey[],
    private readonly correlationId: string,
  ) {}

  /** The page being served and where the last chunk ended; the page read ahead. */
  private buffer: { page: ReadPage; index: number; position: number } | null = null;
  private ahead: { after: number; page: Promise<ReadPage | null> } | null = null;
  /** What the snapshot found different from the published state, and the state it was compared with. */
  private readonly pending = new Map<string, PendingLevel>();
  private closed = false;

  get warehouses(): string[] {
    return this.sites.map((w) => w.code);
  }

  static open(capture: ExclusiveReader, correlationId: string): Promise<SnapshotReader> {
    return capture.exclusiveRead(async ({ odoo, state }) => {
      const warehouses = await listWarehouses(odoo);
      if (warehouses.length === 0)
        throw new Error('Odoo lists no warehouse the agent may read: nothing to take a snapshot of');
      return new SnapshotReader(
        capture,
        warehouses,
        state.nextVersion(),
        state.publishedKeys(),
        correlationId,
      );
    });
  }

  /**
   * The next chunk after `afterId` (at most `limit` products), or null when no tracked product is left. Odoo is
   * read in bigger pages (READ_AHEAD_CHUNKS chunks, up to MAX_READ_PAGE products: fewer, larger calls) and the
   * next page is read while the relay stores this one's chunks. A chunk asked for anywhere else than where the
   * last one ended (a resumed attempt) drops what was read ahead and reads from there.
   */
  async next(afterId: number, limit: number): Promise<SnapshotChunkData | null> {
    let buffer = this.buffer;
    if (buffer?.position !== afterId) {
      const page = await this.pageAfter(afterId, readPageSize(limit));
      if (!page) return null;
      buffer = this.buffer = { page, index: 0, position: afterId };
    }
    const ids = buffer.page.productIds.slice(buffer.index, buffer.index + limit);
    const last = ids.at(-1);
    if (last === undefined) return null; // a page always holds a product: only an empty page is null
    buffer.index += ids.length;
    buffer.position = last;
    const drained = buffer.index >= buffer.page.productIds.length;
    const exhausted = drained && buffer.page.exhausted;
    if (drained) {
      this.buffer = null;
      if (!exhausted) this.readAhead(last, readPageSize(limit));
    }
    return {
      afterProductId: afterId,
      lastProductId: last,
      events: ids.flatMap((id) => buffer.page.events.get(id) ?? []),
      exhausted,
    };
  }

  /**
   * The relay stored the whole snapshot: the published state takes what it found, except where a poll published
   * something newer since the page was read (the relay keeps that one too, by version).
   */
  commit(): Promise<void> {
    const changes = [...this.pending.values()];
    this.pending.clear();
    return this.capture.exclusiveRead(({ state }) => {
      const published = new Map<string, PublishedLevel>();
      for (const { productId, warehouse, before, after } of changes)
        if (state.published(productId, warehouse) === before)
          published.set(levelKey(productId, warehouse), after);
      // Saved once by the streamer's flush, not with the next poll (a 100,000-product state is tens of MB).
      state.apply({ cursors: new Map(), seen: new Map(), windowStart: new Map(), published }, false);
      return Promise.resolve();
    });
  }

  /** The attempt ended: nothing it read is kept, and a page read ahead that has not started reads nothing. */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.buffer = null;
    this.ahead = null;
  }

  private pageAfter(afterId: number, size: number): Promise<ReadPage | null> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead?.after === afterId) return ahead.page;
    return this.readPage(afterId, size);
  }

  private readAhead(afterId: number, size: number): void {
    const page = this.readPage(afterId, size);
    page.catch(() => undefined); // a failure surfaces when the page is asked for
    this.ahead = { after: afterId, page };
  }

  /** One Odoo page, read between poll cycles; versions taken and published levels followed at read time. */
  private readPage(afterId: number, size: number): Promise<ReadPage | null> {
    return this.capture.exclusiveRead(async ({ odoo, kits, state, readBatchSize }) => {
      if (this.closed) return null;
      const page = await readSnapshotPage({
        odoo,
        afterId,
        limit: size,
        warehouses: this.sites,
        kitIds: kits.kitIds,
        readBatchSize,
      });
      const differs = (productId: number, warehouse: string, after: PublishedLevel): void => {
        const key = levelKey(productId, warehouse);
        const pending = this.pending.get(key);
        const before = pending ? pending.before : state.published(productId, warehouse);
        this.pending.set(key, { productId, warehouse, before, after });
      };
      const read = new Set<string>();
      const events = new Map<number, LevelEventV1[]>();
      for (const observed of page?.levels ?? []) {
        const { productId, warehouse, level } = observed;
        const key = levelKey(productId, warehouse);
        read.add(key);
        if (!sameLevel(state.published(productId, warehouse), level)) differs(productId, warehouse, level);
        const list = events.get(productId) ?? [];
        events.set(productId, list);
        list.push(levelEvent(observed, state.nextVersion(Date.now(), false), this.correlationId));
      }
      // Published levels in the range this page covers that Odoo no longer lists: archived, deleted, untracked.
      const until = page && !page.exhausted ? page.lastProductId : Number.MAX_SAFE_INTEGER;
      for (const { productId, warehouse } of this.publishedBetween(afterId, until)) {
        const key = levelKey(productId, warehouse);
        const previous = state.published(productId, warehouse);
        if (read.has(key) || !previous?.active) continue;
        differs(productId, warehouse, { ...previous, onHand: 0, free: 0, forecast: 0, active: false });
      }
      return page ? { productIds: page.productIds, events, exhausted: page.exhausted } : null;
    });
  }

  /** Published keys with after < productId <= until (the keys are sorted by product id). */
  private publishedBetween(after: number, until: number): PublishedKey[] {
    let lo = 0;
    let hi = this.publishedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.publishedKeys[mid]?.productId ?? Infinity) <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: PublishedKey[] = [];
    for (let i = lo; i < this.publishedKeys.length; i++) {
      const key = this.publishedKeys[i];
      if (!key || key.productId > until) break;
      out.push(key);
    }
    return out;
  }
}
