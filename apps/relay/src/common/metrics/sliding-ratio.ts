interface Slot {
  tick: number; // which slot-wide time step the counts belong to
  ok: number;
  failed: number;
}

/**
 * Success ratio per key over a sliding time window (e.g. pushed items per channel kind over 5 minutes), in
 * fixed slots so memory stays constant however many outcomes are recorded: the window slides one slot at a time.
 */
export class SlidingRatio {
  private readonly slotMs: number;
  private readonly rings = new Map<string, Slot[]>();

  constructor(
    readonly windowMs: number,
    private readonly slots = 30,
  ) {
    if (!(windowMs > 0) || !Number.isInteger(slots) || slots < 1)
      throw new Error('SlidingRatio: windowMs must be positive and slots a positive integer');
    this.slotMs = windowMs / slots;
  }

  record(key: string, ok: number, failed: number, now: number = Date.now()): void {
    if (ok === 0 && failed === 0) return;
    const tick = Math.floor(now / this.slotMs);
    let ring = this.rings.get(key);
    if (!ring) {
      ring = Array.from({ length: this.slots }, () => ({ tick: -1, ok: 0, failed: 0 }));
      this.rings.set(key, ring);
    }
    const slot = ring[tick % this.slots];
    if (!slot) return; // unreachable: the index is always within the ring
    if (slot.tick !== tick) Object.assign(slot, { tick, ok: 0, failed: 0 });
    slot.ok += ok;
    slot.failed += failed;
  }

  /** ok / (ok + failed) over the window ending at `now`; null when nothing was recorded in it. */
  ratio(key: string, now: number = Date.now()): number | null {
    const totals = this.totals(key, now);
    return totals === null ? null : totals.ok / (totals.ok + totals.failed);
  }

  /** The ratio of every key with outcomes in the window; keys whose window emptied are forgotten. */
  ratios(now: number = Date.now()): Map<string, number> {
    const out = new Map<string, number>();
    for (const key of [...this.rings.keys()]) {
      const r = this.ratio(key, now);
      if (r === null) this.rings.delete(key);
      else out.set(key, r);
    }
    return out;
  }

  private totals(key: string, now: number): { ok: number; failed: number } | null {
    const ring = this.rings.get(key);
    if (!ring) return null;
    const current = Math.floor(now / this.slotMs);
    let ok = 0;
    let failed = 0;
    for (const slot of ring) {
      if (slot.tick > current - this.slots && slot.tick <= current) {
        ok += slot.ok;
        failed += slot.failed;
      }
    }
    return ok + failed === 0 ? null : { ok, failed };
  }
}
