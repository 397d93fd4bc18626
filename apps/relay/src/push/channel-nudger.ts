/**
 * Tells the push pipeline that listings of these channels were marked dirty (in PostgreSQL, in the same
 * transaction as the level change). Implemented by the push module; the inventory feature depends only on this.
 */
export abstract class ChannelNudger {
  abstract nudge(channelIds: readonly string[]): Promise<void>;
}
