import { isRecord, isText } from '@stockbridge/shared';
import { createChannelAdapter } from './adapters/adapter-factory';
import { ChannelCallError, type ChannelConnection, type ChannelKind } from './adapters/channel-adapter';

/**
 * A first, minimal check of a channel's settings when an operator saves them; each adapter parses its own
 * settings again with its own errors. Every problem names its field, e.g. `config.shopUrl: expected an http(s) URL`.
 */
type FieldCheck = { field: string; valid: (v: unknown) => boolean; expected: string };

const httpUrl = (v: unknown): boolean => {
  if (!isText(v, 2048)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const text = (v: unknown): boolean => isText(v, 4096);
const apiVersion = (v: unknown): boolean => isText(v, 16) && /^(\d{4}-\d{2}|unstable)$/.test(v);
const locationId = (v: unknown): boolean =>
  (isText(v, 256) && v.trim().length > 0) || (typeof v === 'number' && Number.isSafeInteger(v) && v > 0);

const CONFIG_CHECKS: Record<ChannelKind, FieldCheck[]> = {
  shopify: [
    { field: 'shopUrl', valid: httpUrl, expected: 'an http(s) URL such as https://my-shop.myshopify.com' },
    { field: 'apiVersion', valid: apiVersion, expected: 'a Shopify API version such as 2026-04' },
    { field: 'locationId', valid: locationId, expected: 'a Shopify location id' },
  ],
  woocommerce: [],
  ebay: [],
  amazon: [],
  webhook: [],
};

const CREDENTIAL_CHECKS: Record<ChannelKind, FieldCheck[]> = {
  shopify: [{ field: 'accessToken', valid: text, expected: 'the Admin API access token' }],
  woocommerce: [],
  ebay: [],
  amazon: [],
  webhook: [],
};

export function checkChannelConfig(kind: ChannelKind, config: Record<string, unknown>): string[] {
  return CONFIG_CHECKS[kind]
    .filter((c) => !c.valid(config[c.field]))
    .map((c) => `config.${c.field}: expected ${c.expected}`);
}

export function checkChannelCredentials(kind: ChannelKind, credentials: unknown): string[] {
  if (!isRecord(credentials)) return ['credentials: expected an object of strings'];
  const notText = Object.entries(credentials)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k]) => `credentials.${k}: expected a string`);
  const missing = CREDENTIAL_CHECKS[kind]
    .filter((c) => !c.valid(credentials[c.field]))
    .map((c) => `credentials.${c.field}: expected ${c.expected}`);
  return [...notText, ...missing];
}

/**
 * The adapter's own check of the full settings (it throws a `validation` error naming the field when it cannot be
 * built), so a channel the push worker could never use is refused when saved, not discovered at the first push.
 */
export function checkWithAdapter(conn: ChannelConnection): string[] {
  try {
    createChannelAdapter(conn);
    return [];
  } catch (err) {
    if (err instanceof ChannelCallError && err.kind === 'validation') return [err.message];
    throw err;
  }
}
