import { Injectable, Logger } from '@nestjs/common';
import {
  parseSnapshotAbort,
  parseSnapshotBegin,
  parseSnapshotChunk,
  parseSnapshotEnd,
  type ParsedSnapshotFrame,
  type RelayMessageV1,
  type SnapshotAbortV1,
  type SnapshotBeginV1,
  type SnapshotChunkV1,
  type SnapshotEndV1,
  type SnapshotReplyV1,
} from '@stockbridge/shared';
import type { AgentRef } from '../agents/agent-ref';
import { SnapshotDispatcher } from './snapshot-dispatcher.service';
import { SnapshotsRepository, type SnapshotRow } from './snapshots.repository';
import { isUuid } from '../tenants/tenants.repository';

export type SnapshotFrameEvent = 'snapshot-begin' | 'snapshot-chunk' | 'snapshot-end' | 'snapshot-abort';
type FrameValue = SnapshotBeginV1 | SnapshotChunkV1 | SnapshotEndV1 | SnapshotAbortV1;

const ack = (snapshotId: string, attempt: number, seq: number): SnapshotReplyV1 => ({
  event: 'snapshot-ack',
  data: { snapshotId, attempt, seq },
});
const stop = (snapshotId: string, attempt: number, reason: string): SnapshotReplyV1 => ({
  event: 'snapshot-stop',
  data: { snapshotId, attempt, reason },
});

/**
 * The relay side of the snapshot stream (see libs/shared snapshot-frames.ts): stores each frame, then acks it.
 * Frames of one snapshot are handled one after the other on this instance, in the order they arrived. Anything
 * that does not continue the stored progress is answered with `snapshot-stop`; when the snapshot should go on
 * (a gap, new warehouses, an end that does not match what was stored) the next attempt is sent right away.
 */
@Injectable()
export class SnapshotIngestService {
  private readonly logger = new Logger(SnapshotIngestService.name);
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly snapshots: SnapshotsRepository,
    private readonly dispatcher: SnapshotDispatcher,
  ) {}

  /** Never throws: every frame gets a reply (a snapshot-ack, a snapshot-stop, or a reject when it is unreadable). */
  handle(agent: AgentRef, event: SnapshotFrameEvent, raw: unknown): Promise<RelayMessageV1> {
    const parsed = this.parse(event, raw);
    if (!parsed.ok) {
      if (parsed.snapshotId !== undefined && parsed.attempt !== undefined)
        return Promise.resolve(stop(parsed.snapshotId, parsed.attempt, `${event}: ${parsed.reason}`));
      return Promise.resolve({
        event: 'reject',
        data: { reason: `${event}: ${parsed.reason}`, retry: false },
      });
    }
    const { snapshotId, attempt } = parsed.value;
    // The relay names its snapshots with UUIDs: anything else is none of ours (and no query should see it).
    if (!isUuid(snapshotId))
      return Promise.resolve(
        stop(snapshotId, attempt, `${event}: snapshotId: not a snapshot this relay asked for`),
      );
    const previous = this.queues.get(snapshotId) ?? Promise.resolve();
    const next = previous.then(() => this.apply(agent, event, parsed.value));
    const settled = next.catch(() => undefined);
    this.queues.set(snapshotId, settled);
    void settled.then(() => {
      if (this.queues.get(snapshotId) === settled) this.queues.delete(snapshotId);
    });
    return next.catch((err: unknown) => {
      this.logger.error(
        `snapshot ${snapshotId} (attempt ${attempt}) of agent ${agent.agentId}: ${event} not stored`,
        err instanceof Error ? err.stack : err,
      );
      // The stream cannot go on without this frame: stop it; the dispatcher sends a resuming attempt.
      void this.dispatcher.resend(snapshotId);
      return stop(snapshotId, attempt, 'relay: not stored, resuming with a new attempt');
    });
  }

  private parse(event: SnapshotFrameEvent, raw: unknown): ParsedSnapshotFrame<FrameValue> {
    switch (event) {
      case 'snapshot-begin':
        return parseSnapshotBegin(raw);
      case 'snapshot-chunk':
        return parseSnapshotChunk(raw);
      case 'snapshot-end':
        return parseSnapshotEnd(raw);
      case 'snapshot-abort':
        return parseSnapshotAbort(raw);
    }
  }

  private async apply(
    agent: AgentRef,
    event: SnapshotFrameEvent,
    frame: FrameValue,
  ): Promise<SnapshotReplyV1> {
    const { snapshotId, attempt } = frame;
    if ('warehouses' in frame) {
      const begun = await this.snapshots.begin(agent, frame);
      if (begun) return ack(snapshotId, attempt, 0);
      const row = await this.current(agent, snapshotId);
      const refused = this.stale(row, attempt);
      if (refused) return stop(snapshotId, attempt, refused);
      if (row && row.lastProductId !== frame.resumeAfterProductId)
        return stop(snapshotId, attempt, `resumeAfterProductId: the relay stored up to ${row.lastProductId}`);
      // The warehouses changed since the products stored so far were read: those cannot be completed, start over.
      return this.restart(row, attempt, 'the warehouses changed since the snapshot began; starting it over');
    }
    if ('seq' in frame) {
      const stored = await this.snapshots.stageChunk(agent, frame);
      if (stored !== null) return ack(snapshotId, attempt, frame.seq);
      const row = await this.current(agent, snapshotId);
      const refused = this.stale(row, attempt);
      if (refused) return stop(snapshotId, attempt, refused);
      if (row && row.status === 'streaming' && frame.seq <= row.lastSeq)
        return ack(snapshotId, attempt, frame.seq); // a duplicate
      if (row?.status === 'requested')
        return stop(snapshotId, attempt, 'snapshot-begin: not received for this attempt');
      this.logger.warn(
        `snapshot ${snapshotId}: chunk ${frame.seq} of attempt ${attempt} does not follow chunk ${row?.lastSeq ?? '?'} ` +
          `(products up to ${row?.lastProductId ?? '?'}); resuming with a new attempt`,
      );
      void this.dispatcher.resend(snapshotId);
      return stop(
        snapshotId,
        attempt,
        `seq: expected ${(row?.lastSeq ?? 0) + 1}, resuming with a new attempt`,
      );
    }
    if ('chunks' in frame) {
      const done = await this.snapshots.complete(agent, frame);
      if (done) {
        this.logger.log(`snapshot ${snapshotId} of agent ${agent.agentId} complete: ${done.levels} levels`);
        return ack(snapshotId, attempt, frame.chunks + 1);
      }
      const row = await this.current(agent, snapshotId);
      const refused = this.stale(row, attempt);
      if (refused) return stop(snapshotId, attempt, refused);
      return this.restart(
        row,
        attempt,
        `snapshot-end: ${frame.chunks} chunks and ${frame.count} levels up to product ${frame.lastProductId}, ` +
          `but the relay stored ${row?.lastSeq ?? 0} chunks and ${row?.attemptEvents ?? 0} levels up to product ` +
          `${row?.lastProductId ?? 0}; starting the snapshot over`,
      );
    }
    const failed = await this.snapshots.fail(snapshotId, `agent: ${frame.reason}`, attempt);
    if (failed) this.logger.warn(`snapshot ${snapshotId}: agent ${agent.agentId} gave up: ${frame.reason}`);
    return ack(snapshotId, attempt, 0);
  }

  /** The snapshot as stored, if it belongs to this agent. */
  private async current(agent: AgentRef, snapshotId: string): Promise<SnapshotRow | null> {
    const row = await this.snapshots.findOne(snapshotId);
    return row && row.agentId === agent.agentId && row.tenantId === agent.tenantId ? row : null;
  }

  /** Why frames of this attempt are not taken any more, or null when the attempt is the current, open one. */
  private stale(row: SnapshotRow | null, attempt: number): string | null {
    if (!row) return 'unknown snapshot';
    if (row.status === 'complete' || row.status === 'failed') return `the snapshot is ${row.status}`;
    if (row.attempt !== attempt) return `superseded by attempt ${row.attempt}`;
    return null;
  }

  private async restart(row: SnapshotRow | null, attempt: number, why: string): Promise<SnapshotReplyV1> {
    if (!row) return stop('unknown', attempt, 'unknown snapshot');
    this.logger.warn(`snapshot ${row.id}: ${why}`);
    if (await this.snapshots.restart(row.id, attempt)) void this.dispatcher.resend(row.id);
    return stop(row.id, attempt, why);
  }
}
