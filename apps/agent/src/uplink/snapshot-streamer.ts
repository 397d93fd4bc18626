import {
  MAX_EVENTS_PER_FRAME,
  MAX_SNAPSHOT_WAREHOUSES,
  type AgentFrameV1,
  type SnapshotCommandV1,
  type SnapshotReplyV1,
} from '@stockbridge/shared';
import type { SnapshotChunkData } from '../capture/snapshot-reader';
import type { Logger } from '../logging/logger';

/** One snapshot attempt's source of pages (SnapshotReader over the capture). */
export interface SnapshotPages {
  readonly warehouses: string[];
  readonly version: number;
  next(afterId: number, limit: number): Promise<SnapshotChunkData | null>;
  /** The relay stored the whole snapshot: what it read becomes the published state. */
  commit(): Promise<void>;
  /** The attempt is over, committed or not: stop reading. */
  close(): void;
}

export interface SnapshotStreamerOptions {
  /** Opens a reader for one attempt (reads the warehouses and takes the starting version). */
  open: (correlationId: string) => Promise<SnapshotPages>;
  /** Sends one frame; false when the socket is not open. */
  send: (frame: AgentFrameV1) => boolean;
  /** Saves the capture state once an attempt ends (pages only mark it changed). */
  save: () => Promise<void>;
  logger: Logger;
  /** Chunks sent and not yet acked: the agent reads the next page while the relay stores the previous ones. */
  window?: number;
  /** An attempt whose frames the relay stops acking for this long is given up (and said so). */
  ackTimeoutMs?: number;
}

class Cancelled extends Error {}

/** One attempt: its command, what the relay acked, and a way to wake the sender. */
class Attempt {
  acked = -1;
  cancelled: string | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly command: SnapshotCommandV1) {}

  get key(): string {
    return `${this.command.snapshotId}#${this.command.attempt}`;
  }

  onAck(seq: number): void {
    this.acked = Math.max(this.acked, seq);
    this.wake?.();
  }

  cancel(why: string): void {
    this.cancelled ??= why;
    this.wake?.();
  }

  /** Resolves once `ready()` holds; rejects when the attempt is cancelled or the relay stays silent too long. */
  async until(ready: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.cancelled !== null) throw new Cancelled(this.cancelled);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no snapshot-ack from the relay within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    if (this.cancelled !== null) throw new Cancelled(this.cancelled);
  }
}

/**
 * Streams reconciliation snapshots the relay asks for (see libs/shared snapshot-frames.ts): begin, chunks of one
 * id range each with a few in flight, end. One attempt at a time: a new command (a resume after a reconnect, or
 * another snapshot) replaces the running one, and a closed socket ends it, since the relay asks again with the
 * point to resume from. Failures reading Odoo are reported to the relay with `snapshot-abort`.
 */
export class SnapshotStreamer {
  private current: Attempt | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly window: number;
  private readonly ackTimeoutMs: number;

  constructor(private readonly options: SnapshotStreamerOptions) {
    this.log = options.logger.child({ component: 'snapshot' });
    this.window = Math.max(1, options.window ?? 4);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 60_000;
  }

  /** A `snapshot` command: ends the running attempt (if any), then starts this one. */
  onCommand(command: SnapshotCommandV1): void {
    this.current?.cancel(`replaced by attempt ${command.attempt} of snapshot ${command.snapshotId}`);
    const attempt = new Attempt(command);
    this.current = attempt;
    this.running = this.running.then(() => this.run(attempt));
  }

  onReply(reply: SnapshotReplyV1): void {
    const attempt = this.current;
    const { snapshotId, attempt: number } = reply.data;
    if (!attempt || attempt.command.snapshotId !== snapshotId || attempt.command.attempt !== number) return;
    if (reply.event === 'snapshot-ack') attempt.onAck(reply.data.seq);
    else attempt.cancel(`the relay stopped it: ${reply.data.reason}`);
  }

  /** The socket closed: the relay will ask again, resuming after what it stored. */
  onUplinkClose(): void {
    this.current?.cancel('the uplink closed');
  }

  async stop(): Promise<void> {
    this.current?.cancel('the agent is stopping');
    await this.running;
  }

  private async run(attempt: Attempt): Promise<void> {
    if (attempt.cancelled !== null) return;
    const { snapshotId, attempt: number, resumeAfterProductId, pageSize } = attempt.command;
    const started = Date.now();
    const ids = { snapshotId, attempt: number };
    let seq = 0;
    let count = 0;
    let after = resumeAfterProductId;
    let pages: SnapshotPages | undefined;
    const send = (frame: AgentFrameV1): void => {
      if (attempt.cancelled !== null) throw new Cancelled(attempt.cancelled);
      if (!this.options.send(frame)) throw new Cancelled('the uplink closed');
    };
    try {
      pages = await this.options.open(`snapshot-${snapshotId}`);
      const warehouses = pages.warehouses;
      if (warehouses.length > MAX_SNAPSHOT_WAREHOUSES)
        throw new Error(
          `Odoo lists ${warehouses.length} warehouses; a snapshot takes at most ${MAX_SNAPSHOT_WAREHOUSES}`,
        );
      // Every warehouse of a product goes in the same chunk, so a chunk is a complete id range.
      const perChunk = Math.max(1, Math.min(pageSize, Math.floor(MAX_EVENTS_PER_FRAME / warehouses.length)));
      send({
        event: 'snapshot-begin',
        data: { ...ids, resumeAfterProductId, warehouses, version: pages.version },
      });
      this.log.info(
        { ...ids, resumeAfterProductId, warehouses, perChunk },
        resumeAfterProductId > 0
          ? `snapshot ${snapshotId}: attempt ${number} resumes after product ${resumeAfterProductId}`
          : `snapshot ${snapshotId}: attempt ${number} started`,
      );
      for (;;) {
        const page = await pages.next(after, perChunk);
        if (attempt.cancelled !== null) throw new Cancelled(attempt.cancelled);
        if (!page) break;
        await attempt.until(() => seq - Math.max(0, attempt.acked) < this.window, this.ackTimeoutMs);
        seq++;
        send({
          event: 'snapshot-chunk',
          data: {
            ...ids,
            seq,
            afterProductId: after,
            lastProductId: page.lastProductId,
            events: page.events,
          },
        });
        count += page.events.length;
        after = page.lastProductId;
        if (page.exhausted) break;
      }
      send({ event: 'snapshot-end', data: { ...ids, chunks: seq, count, lastProductId: after } });
      await attempt.until(() => attempt.acked >= seq + 1, this.ackTimeoutMs);
      await pages.commit();
      this.log.info(
        { ...ids, chunks: seq, levels: count, ms: Date.now() - started },
        `snapshot ${snapshotId}: attempt ${number} sent ${count} level${count === 1 ? '' : 's'} in ${seq} chunk${seq === 1 ? '' : 's'}`,
      );
    } catch (err) {
      if (err instanceof Cancelled) {
        this.log.info(
          { ...ids, chunks: seq, lastProductId: after },
          `snapshot ${snapshotId}: attempt ${number} ended: ${err.message}`,
        );
      } else {
        const reason = err instanceof Error ? err.message : String(err);
        this.log.error(
          { ...ids, chunks: seq },
          `snapshot ${snapshotId}: attempt ${number} failed: ${reason}`,
        );
        this.options.send({ event: 'snapshot-abort', data: { ...ids, reason: reason.slice(0, 1000) } });
      }
    } finally {
      pages?.close();
      if (this.current === attempt) this.current = null;
      await this.options
        .save()
        .catch((err: unknown) =>
          this.log.warn(
            `capture state not saved after a snapshot: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
    }
  }
}
