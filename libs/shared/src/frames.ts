import {
  checkFields,
  isBoolean,
  isFiniteNumber,
  isIsoTime,
  isNullableText,
  isPositiveInteger,
  isRecord,
  isSafeInteger,
  isText,
  type Parsed,
} from './parse';
import {
  parseSnapshotAck,
  parseSnapshotCommand,
  parseSnapshotStop,
  type SnapshotAckV1,
  type SnapshotCommandV1,
  type SnapshotStopV1,
} from './snapshot-commands';
import type { SnapshotAbortV1, SnapshotBeginV1, SnapshotChunkV1, SnapshotEndV1 } from './snapshot-frames';

/** WebSocket subprotocol the agent offers and the relay accepts. */
export const WIRE_PROTOCOL = 'stockbridge.v1';
/** Largest frame either side accepts; larger ones are refused with a reason (relay) or close 1009 (ws). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Most level events in one frame: keeps one relay transaction short. */
export const MAX_EVENTS_PER_FRAME = 500;
/** WebSocket close codes used by both sides. */
export const CloseCode = {
  Unauthorized: 4401, // token revoked while connected
  Replaced: 4409, // another connection of the same agent took over
  ShuttingDown: 4503, // relay instance stopping: reconnect elsewhere
} as const;

/**
 * The absolute stock of one Odoo product in one warehouse, read at one moment.
 * Absolute, never a delta: replays and duplicates are harmless.
 */
export interface LevelEventV1 {
  eventId: string; // unique per reading; idempotency and audit
  productId: number; // Odoo product.product id (a variant)
  sku: string | null; // default_code
  barcode: string | null;
  warehouse: string; // stock.warehouse code
  onHand: number; // qty_available
  free: number; // free_qty: on hand minus reserved
  forecast: number; // virtual_available
  active: boolean; // false when archived, deleted or no longer storable: channels then get 0
  version: number; // only grows per product and warehouse; the relay ignores anything not newer
  observedAt: string; // ISO time the agent read it from Odoo: start of the sync-latency clock
  correlationId: string; // follows the change from the agent's poll to each channel call
}

/** agent -> relay `{"event":"levels","data":LevelsFrameV1}`; the relay answers ack or reject. */
export interface LevelsFrameV1 {
  frameId: string;
  events: LevelEventV1[];
}

/** agent -> relay `{"event":"hello","data":...}` on connect and then periodically: what the status API shows. */
export interface AgentStatusV1 {
  agentVersion: string;
  odooVersion: string | null;
  outboxDepth: number; // frames waiting in the local outbox
  lastPollAt: string | null;
}

/** relay -> agent commands on the same socket: poll now, or stream a reconciliation snapshot. */
export type AgentCommandV1 = { commandId: string; name: 'poll' } | SnapshotCommandV1;

export type RelayReplyV1 =
  | { event: 'ack'; data: { frameId: string } }
  | { event: 'reject'; data: { frameId?: string; reason: string; retry: boolean } }
  | { event: 'command'; data: AgentCommandV1 };

/** relay -> agent replies to snapshot frames (acks and rejects of levels frames stay RelayReplyV1). */
export type SnapshotReplyV1 =
  { event: 'snapshot-ack'; data: SnapshotAckV1 } | { event: 'snapshot-stop'; data: SnapshotStopV1 };

/** Everything a relay sends an agent. */
export type RelayMessageV1 = RelayReplyV1 | SnapshotReplyV1;

export type AgentFrameV1 =
  | { event: 'levels'; data: LevelsFrameV1 }
  | { event: 'hello'; data: AgentStatusV1 }
  | { event: 'snapshot-begin'; data: SnapshotBeginV1 }
  | { event: 'snapshot-chunk'; data: SnapshotChunkV1 }
  | { event: 'snapshot-end'; data: SnapshotEndV1 }
  | { event: 'snapshot-abort'; data: SnapshotAbortV1 };

export const AGENT_EVENTS = new Set<AgentFrameV1['event']>([
  'levels',
  'hello',
  'snapshot-begin',
  'snapshot-chunk',
  'snapshot-end',
  'snapshot-abort',
]);

const eventChecks: Record<keyof LevelEventV1, (v: unknown) => boolean> = {
  eventId: (v) => isText(v, 64),
  productId: isPositiveInteger,
  sku: (v) => isNullableText(v, 128),
  barcode: (v) => isNullableText(v, 128),
  warehouse: (v) => isText(v, 64),
  onHand: isFiniteNumber,
  free: isFiniteNumber,
  forecast: isFiniteNumber,
  active: isBoolean,
  version: (v) => isSafeInteger(v) && v >= 0,
  observedAt: isIsoTime,
  correlationId: (v) => isText(v, 64),
};

export type ParsedFrame<T> = Parsed<T> & { frameId?: string };

/** One level event; the reason names the first bad field under `path`, e.g. `events[3].free: invalid`. */
export function parseLevelEvent(raw: unknown, path: string): Parsed<LevelEventV1> {
  return checkFields<LevelEventV1>(raw, eventChecks, path);
}

/** Parses an agent's levels frame; the reason names the first bad field, e.g. `events[3].free: invalid`. */
export function parseLevelsFrame(raw: unknown): ParsedFrame<LevelsFrameV1> {
  if (!isRecord(raw)) return { ok: false, reason: 'data: expected an object' };
  if (!isText(raw['frameId'], 64))
    return { ok: false, reason: 'frameId: expected a string of 1..64 characters' };
  const frameId = raw['frameId'];
  const events = raw['events'];
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_FRAME) {
    return { ok: false, frameId, reason: `events: expected 1..${MAX_EVENTS_PER_FRAME} items` };
  }
  for (const [i, e] of events.entries()) {
    const parsed = checkFields<LevelEventV1>(e, eventChecks, `events[${i}]`);
    if (!parsed.ok) return { ok: false, frameId, reason: parsed.reason };
  }
  return { ok: true, value: { frameId, events: events as LevelEventV1[] } };
}

const statusChecks: Record<keyof AgentStatusV1, (v: unknown) => boolean> = {
  agentVersion: (v) => isText(v, 64),
  odooVersion: (v) => isNullableText(v, 64),
  outboxDepth: (v) => isSafeInteger(v) && v >= 0,
  lastPollAt: (v) => v === null || isIsoTime(v),
};

export function parseAgentStatus(raw: unknown): Parsed<AgentStatusV1> {
  return checkFields<AgentStatusV1>(raw, statusChecks, 'data');
}

/** Parses a relay reply on the agent side; anything else is reported, never guessed at. */
export function parseRelayReply(raw: unknown): Parsed<RelayReplyV1> {
  if (!isRecord(raw) || !isRecord(raw['data'])) return { ok: false, reason: 'expected {event, data}' };
  const data = raw['data'];
  switch (raw['event']) {
    case 'ack':
      return isText(data['frameId'], 64)
        ? { ok: true, value: { event: 'ack', data: { frameId: data['frameId'] } } }
        : { ok: false, reason: 'ack.frameId: invalid' };
    case 'reject':
      if (!isText(data['reason'], 1000) || !isBoolean(data['retry']))
        return { ok: false, reason: 'reject: invalid' };
      return {
        ok: true,
        value: {
          event: 'reject',
          data: {
            ...(isText(data['frameId'], 64) ? { frameId: data['frameId'] } : {}),
            reason: data['reason'],
            retry: data['retry'],
          },
        },
      };
    case 'command': {
      if (data['name'] === 'snapshot') {
        const command = parseSnapshotCommand(data);
        return command.ok ? { ok: true, value: { event: 'command', data: command.value } } : command;
      }
      return isText(data['commandId'], 64) && data['name'] === 'poll'
        ? { ok: true, value: { event: 'command', data: { commandId: data['commandId'], name: 'poll' } } }
        : { ok: false, reason: 'command: invalid' };
    }
    default:
      return { ok: false, reason: `event: unknown ${JSON.stringify(raw['event'])}` };
  }
}

/** Parses anything a relay sends an agent: a RelayReplyV1, or a reply to a snapshot frame. */
export function parseRelayMessage(raw: unknown): Parsed<RelayMessageV1> {
  if (isRecord(raw) && isRecord(raw['data'])) {
    if (raw['event'] === 'snapshot-ack') {
      const ack = parseSnapshotAck(raw['data']);
      return ack.ok ? { ok: true, value: { event: 'snapshot-ack', data: ack.value } } : ack;
    }
    if (raw['event'] === 'snapshot-stop') {
      const stop = parseSnapshotStop(raw['data']);
      return stop.ok ? { ok: true, value: { event: 'snapshot-stop', data: stop.value } } : stop;
    }
  }
  return parseRelayReply(raw);
}
