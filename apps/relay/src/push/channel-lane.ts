import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushBroker } from './push-broker';
import type { DrainOutcome } from './push.worker';

export interface LaneHost {
  readonly coalesceMs: number;
  drain(channelId: string, stop: AbortSignal): Promise<DrainOutcome>;
  /** Publishes whatever brings the channel back later (delay tier); resolves when it is safe to ack. */
  followUp(channelId: string, outcome: DrainOutcome | 'error'): Promise<void>;
}

/** How long a published, not yet received nudge counts as pending (it normally arrives within milliseconds). */
const IN_FLIGHT_TRUST_MS = 2_000;

interface Held {
  broker: PushBroker;
  msg: ConsumeMessage;
}

/**
 * The nudges of one channel held by this instance (it is the queue's active consumer) and the passes they
 * trigger, one at a time. Coalescing rests on one fact: a nudge is published after its change was committed, so
 * a pass that STARTS after a nudge was delivered sees that change. Every nudge delivered before a pass starts is
 * therefore settled by that pass, however many there are; and passes are spaced `coalesceMs` apart, so a burst
 * of changes to one SKU costs about one call per `coalesceMs`.
 */
export class ChannelLane {
  private readonly logger = new Logger(ChannelLane.name);
  private held: Held[] = [];
  private running: Promise<void> | null = null;
  private lastPassEndedAt = 0;
  /** Our consumer got a delivery, so it is the queue's single active consumer until it is cancelled. */
  private activeHere = false;
  /** Nudges this instance published to the queue and has not received yet: messageId -> published at. */
  private readonly inFlight = new Map<string, number>();
  private passAbort: AbortController | null = null;
  readonly createdAt = Date.now();

  constructor(
    readonly channelId: string,
    private readonly host: LaneHost,
    private readonly stop: AbortSignal,
  ) {}

  deliver(broker: PushBroker, msg: ConsumeMessage): void {
    this.activeHere = true;
    const id: unknown = msg.properties.messageId;
    if (typeof id === 'string') this.inFlight.delete(id);
    this.held.push({ broker, msg });
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stop.aborted || this.held.length === 0) return;
    this.running = this.run().finally(() => {
      this.running = null;
      this.kick(); // a nudge delivered while the last pass was ending
    });
  }

  /**
   * True when a nudge is known to be pending whose pass has not started, so a change committed NOW will be seen
   * without another nudge: one delivered to us and not yet taken by a pass, or one we published that is still
   * in the queue while we are its only consumer (after we received it, a pass starts). Entries older than
   * IN_FLIGHT_TRUST_MS are not trusted (a lost publish must not silence nudges); the sweeper is the backstop.
   */
  hasPendingNudge(now: number = Date.now()): boolean {
    if (this.held.some((h) => h.broker.alive)) return true;
    if (!this.activeHere) return false;
    for (const [id, at] of this.inFlight) {
      if (now - at <= IN_FLIGHT_TRUST_MS) return true;
      this.inFlight.delete(id);
    }
    return false;
  }

  /** Call before publishing a direct nudge to this channel's queue. */
  notePublishing(messageId: string, now: number = Date.now()): void {
    this.inFlight.set(messageId, now);
  }

  notePublishFailed(messageId: string): void {
    this.inFlight.delete(messageId);
  }

  /** Our consumer is gone (connection lost, cancelled): held nudges are back in the queue, activity unknown. */
  dropHeld(): void {
    this.held = [];
    this.activeHere = false;
    this.inFlight.clear();
    // Another instance may be the active consumer by now: finish the batch in flight, start no other.
    this.passAbort?.abort();
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    while (this.held.length > 0 && !this.stop.aborted) {
      const wait = this.lastPassEndedAt + this.host.coalesceMs - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.stop }).catch(() => undefined);
      if (this.stop.aborted) return; // held nudges are requeued when the connection closes
      const covered = this.held.filter((h) => h.broker.alive);
      this.held = [];
      if (covered.length === 0) continue;
      let outcome: DrainOutcome | 'error';
      const passAbort = (this.passAbort = new AbortController());
      try {
        outcome = await this.host.drain(this.channelId, AbortSignal.any([this.stop, passAbort.signal]));
      } catch (err) {
        this.logger.error(
          `channel ${this.channelId}: push pass failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        outcome = 'error';
      } finally {
        this.passAbort = null;
      }
      this.lastPassEndedAt = Date.now();
      if (outcome !== 'error' && outcome.kind === 'stopped') continue; // not acked: the broker redelivers them
      try {
        await this.host.followUp(this.channelId, outcome);
      } catch (err) {
        // Still safe to ack: the listings' state is in PostgreSQL and the sweeper nudges whatever is due.
        this.logger.warn(
          `channel ${this.channelId}: follow-up nudge not published (${String(err)}); the sweeper will`,
        );
      }
      for (const h of covered) h.broker.ack(h.msg);
    }
  }
}
