import type { LevelEventV1 } from '@stockbridge/shared';

let seq = 0;

/** A valid level event with a fresh id and a growing version. */
export function levelEvent(productId: number, free = 5, warehouse = 'WH'): LevelEventV1 {
  seq++;
  return {
    eventId: `ev-${process.pid}-${seq}`,
    productId,
    sku: `SKU-${productId}`,
    barcode: null,
    warehouse,
    onHand: free,
    free,
    forecast: free,
    active: true,
    version: seq,
    observedAt: new Date().toISOString(),
    correlationId: `corr-${seq}`,
  };
}
