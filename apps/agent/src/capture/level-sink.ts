import type { LevelEventV1 } from '@stockbridge/shared';

/** Where captured levels go (the outbox). */
export interface LevelSink {
  /** Resolves once every event is durable; throws otherwise (the capture then keeps its old cursor). */
  publish(events: LevelEventV1[]): Promise<void>;
}
