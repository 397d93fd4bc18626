import type { ChannelAdapter, ChannelConnection, ChannelKind } from './channel-adapter';
import { AmazonAdapter } from './amazon/amazon.adapter';
import { EbayAdapter } from './ebay/ebay.adapter';
import { ShopifyAdapter } from './shopify/shopify.adapter';
import { WebhookAdapter } from './webhook/webhook.adapter';
import { WooCommerceAdapter } from './woocommerce/woocommerce.adapter';

export type ChannelAdapterFactory = (conn: ChannelConnection) => ChannelAdapter;

/** Injection token for the factory (the push worker and reconciliation build adapters through it). */
export const CHANNEL_ADAPTER_FACTORY = Symbol('CHANNEL_ADAPTER_FACTORY');

export class UnsupportedChannelKindError extends Error {
  override readonly name = 'UnsupportedChannelKindError';
  constructor(readonly kind: ChannelKind) {
    super(`unsupported channel kind '${kind}': this relay has no adapter for it yet`);
  }
}

/**
 * Builds the adapter for a channel's settings. Adapters validate their own config and throw an error naming the
 * bad field. One case per kind: the switch is exhaustive, so a new kind fails compilation until it is handled.
 */
export function createChannelAdapter(conn: ChannelConnection): ChannelAdapter {
  switch (conn.kind) {
    case 'shopify':
      return new ShopifyAdapter(conn);
    case 'woocommerce':
      return new WooCommerceAdapter(conn);
    case 'ebay':
      return new EbayAdapter(conn);
    case 'amazon':
      return new AmazonAdapter(conn);
    case 'webhook':
      return new WebhookAdapter(conn);
  }
}
