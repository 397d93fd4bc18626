import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WIRE_PROTOCOL, type RelayReplyV1 } from '@stockbridge/shared';
import { memoryLogger, type LogLine } from '../../../../test/support/memory-logger';
import { UplinkClient } from './uplink.client';

/** A bare WebSocket server standing in for the relay: these tests only look at what the client does with replies. */
describe('UplinkClient reply handling', () => {
  let wss: WebSocketServer;
  let peer: WebSocket;
  let client: UplinkClient;
  const replies: RelayReplyV1[] = [];
  let lines: LogLine[];
  const warnings = (): string[] => lines.filter((l) => l.level === 40).map((l) => l.msg);

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => WIRE_PROTOCOL });
    await new Promise((r) => wss.once('listening', r));
    const connected = new Promise<WebSocket>((r) => wss.once('connection', r));
    const log = memoryLogger('warn');
    lines = log.lines;
    const logger = log.logger;
    client = new UplinkClient({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agent`,
      token: 't',
      logger,
      status: () => ({ agentVersion: 'x', odooVersion: null, outboxDepth: 0, lastPollAt: null }),
    });
    client.on('reply', (r) => replies.push(r));
    client.start();
    peer = await connected;
  });
  afterAll(async () => {
    await client.stop();
    await new Promise((r) => wss.close(r));
  });

  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

  it('emits each valid reply, parsed', async () => {
    peer.send(JSON.stringify({ event: 'ack', data: { frameId: 'f1' } }));
    peer.send(
      JSON.stringify({
        event: 'reject',
        data: { frameId: 'f2', reason: 'events[0].free: invalid', retry: false },
      }),
    );
    peer.send(JSON.stringify({ event: 'command', data: { commandId: 'c1', name: 'poll' } }));
    await settle();
    expect(replies).toEqual([
      { event: 'ack', data: { frameId: 'f1' } },
      { event: 'reject', data: { frameId: 'f2', reason: 'events[0].free: invalid', retry: false } },
      { event: 'command', data: { commandId: 'c1', name: 'poll' } },
    ]);
  });

  it('logs and ignores malformed replies, keeping the socket open', async () => {
    replies.length = 0;
    peer.send('{oops');
    peer.send(Buffer.from([1, 2, 3]), { binary: true });
    peer.send(JSON.stringify({ event: 'reject', data: { reason: 5, retry: 'no' } }));
    peer.send(JSON.stringify({ event: 'command', data: { commandId: 'c2', name: 'reboot' } }));
    await settle();
    expect(replies).toEqual([]);
    expect(warnings()).toEqual([
      'the relay sent a message that is not JSON text; ignored',
      'the relay sent a message that is not JSON text; ignored',
      'the relay sent a reply the agent does not understand (reject: invalid); ignored',
      'the relay sent a reply the agent does not understand (command: invalid); ignored',
    ]);
    expect(client.isOpen).toBe(true);
  });

  it('survives a listener that throws', async () => {
    const boom = (): void => {
      throw new Error('listener bug');
    };
    client.on('reply', boom);
    peer.send(JSON.stringify({ event: 'ack', data: { frameId: 'f3' } }));
    await settle();
    client.off('reply', boom);
    expect(client.isOpen).toBe(true);
    expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(['handling a relay reply failed']);
  });
});
