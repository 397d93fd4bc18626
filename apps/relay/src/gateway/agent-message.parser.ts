import { AGENT_EVENTS, isRecord } from '@stockbridge/shared';

/** Handler name for every frame the relay cannot route: answered with a reject instead of silence. */
export const INVALID_FRAME = 'invalid';
export const NOT_JSON_REASON = 'frame: expected JSON {event, data}';

export interface ParsedMessage {
  event: string;
  data: unknown; // for INVALID_FRAME: the reason, a string
}

/** ws hands text frames over as strings, binary ones as Buffer, ArrayBuffer or fragments. */
function toText(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  if (Array.isArray(raw) && raw.every((b) => Buffer.isBuffer(b))) return Buffer.concat(raw).toString('utf8');
  return null;
}

const invalid = (reason: string): ParsedMessage => ({ event: INVALID_FRAME, data: reason });

/**
 * The WsAdapter's messageParser. Nest's default drops non-JSON and unknown events silently (the agent would wait
 * for a reply that never comes); here both reach the INVALID_FRAME handler with a reason.
 */
export function parseAgentMessage(raw: unknown): ParsedMessage {
  const text = toText(raw);
  if (text === null) return invalid(NOT_JSON_REASON);
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return invalid(NOT_JSON_REASON);
  }
  if (!isRecord(message) || typeof message['event'] !== 'string') return invalid(NOT_JSON_REASON);
  const event = message['event'];
  if (!(AGENT_EVENTS as ReadonlySet<string>).has(event)) {
    const known = [...AGENT_EVENTS].join(', ');
    return invalid(`event: unknown ${JSON.stringify(event.slice(0, 64))} (expected one of ${known})`);
  }
  return { event, data: message['data'] };
}
