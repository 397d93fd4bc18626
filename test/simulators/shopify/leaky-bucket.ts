/**
 * Shopify's GraphQL rate limit: a leaky bucket of cost points per (app token, shop). It starts full, refills at
 * `restoreRate` points per second up to `maximumAvailable`; a request is charged its requested cost up front and
 * refunded the difference to its actual cost afterwards.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  private available: number;
  private at: number;

  constructor(
    readonly maximumAvailable: number,
    readonly restoreRate: number,
    private readonly clock: () => number,
  ) {
    this.available = maximumAvailable;
    this.at = clock();
  }

  private refill(): void {
    const now = this.clock();
    this.available = Math.min(
      this.maximumAvailable,
      this.available + ((now - this.at) / 1000) * this.restoreRate,
    );
    this.at = now;
  }

  /** Takes `cost` points if they are there; false (and nothing taken) when the request must be throttled. */
  tryCharge(cost: number): boolean {
    this.refill();
    if (this.available < cost) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximumAvailable, this.available + Math.max(0, points));
  }

  status(): ThrottleStatus {
    this.refill();
    // Shopify reports whole points; flooring keeps a client's "wait = (cost - available) / rate" on the safe side
    return {
      maximumAvailable: this.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.restoreRate,
    };
  }
}
