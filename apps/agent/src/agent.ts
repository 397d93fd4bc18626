import type { AgentStatusV1, BackoffPolicy } from '@stockbridge/shared';
import { StateStore } from './capture/capture-state.store';
import { CaptureService, type CaptureStatus, type OdooSource } from './capture/capture.service';
import { createHintHandler } from './capture/hint.handler';
import { maskUrl, type AgentEnv } from './config/agent-env';
import { AgentMetrics } from './health/agent-metrics';
import { CaptureObserver } from './health/capture-observer';
import { startHealthServer, type HealthServer, type Readiness } from './health/health.server';
import { createLogger, type Logger } from './logging/logger';
import { OdooClient } from './odoo/odoo.client';
import { OutboxPublisher, type OutboxDepths } from './outbox/outbox.publisher';
import { RabbitConnection } from './outbox/rabbit-connection';
import { SnapshotReader } from './capture/snapshot-reader';
import { OutboxPump } from './uplink/outbox.pump';
import { SnapshotStreamer } from './uplink/snapshot-streamer';
import { UplinkClient, type UplinkTimings } from './uplink/uplink.client';

export const AGENT_VERSION = '0.1.0';

export interface AgentOverrides {
  logger?: Logger;
  /** Another Odoo source (tests); default: OdooClient.connect with the env's credentials. */
  odoo?: OdooSource;
  uplinkTimings?: Partial<UplinkTimings>;
  rabbitBackoff?: BackoffPolicy;
  /** Delay before a frame the relay could not take (retry=true) is sent again. Default 5 s. */
  retryDelayMs?: number;
  /** How long `stop()` waits for frames in flight to be acked. Default 2 s. */
  settleMs?: number;
}

export interface AgentStatus {
  ready: boolean;
  readiness: Readiness;
  uplinkOpen: boolean;
  rabbitmqConnected: boolean;
  /** Depths as last read from RabbitMQ (each call refreshes them in the background); inFlight is live. */
  outbox: OutboxDepths & { inFlight: number };
  capture: Readonly<CaptureStatus>;
}

export interface AgentHandle {
  httpPort: number;
  capture: CaptureService;
  status(): AgentStatus;
  stop(): Promise<void>;
}

/** Ports the agent binds are the one thing an operator may need to change right at start. */
function describeListenError(err: unknown, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new Error(`port ${port} is already in use: stop the other process or set AGENT_HTTP_PORT`, {
      cause: err,
    });
  if (code === 'EACCES')
    return new Error(`port ${port} needs privileges this user lacks: set AGENT_HTTP_PORT above 1024`, {
      cause: err,
    });
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Composes the agent: capture (Odoo -> outbox, cursor after confirm) and the uplink (outbox -> relay, ack after
 * the relay's commit), plus /healthz, /readyz, /metrics and the LAN hint endpoint. Nothing here waits for Odoo,
 * RabbitMQ or the relay: each reconnects on its own and /readyz says which one is down.
 */
export async function startAgent(env: AgentEnv, overrides: AgentOverrides = {}): Promise<AgentHandle> {
  const logger = overrides.logger ?? createLogger(env.LOG_LEVEL);
  const log = logger.child({ component: 'agent' });
  const relayUrl = new URL(env.RELAY_URL);
  if (relayUrl.protocol === 'ws:' && !/^(localhost|127\.|\[::1\])/.test(relayUrl.hostname))
    log.warn(`RELAY_URL ${maskUrl(env.RELAY_URL)} is not encrypted (ws://): use wss:// outside a test setup`);

  const state = await StateStore.open(env.AGENT_STATE_DIR, logger.child({ component: 'state' }));
  const metrics = new AgentMetrics();
  const rabbit = new RabbitConnection({ url: env.AMQP_URL, logger, backoff: overrides.rabbitBackoff });
  const publisher = new OutboxPublisher(rabbit, {
    logger,
    onPublished: (events) => metrics.levelsPublished.inc(events),
  });

  // The observer reads capture's status: the closure runs only after both exist.
  const observer: CaptureObserver = new CaptureObserver(
    (): Readonly<CaptureStatus> => captureService.status,
    metrics,
  );
  const odoo: OdooSource =
    overrides.odoo ??
    (() =>
      OdooClient.connect({
        url: env.ODOO_URL,
        db: env.ODOO_DB,
        user: env.ODOO_USER,
        apiKey: env.ODOO_API_KEY,
        logger: logger.child({ component: 'odoo' }),
      }));
  const captureService: CaptureService = new CaptureService(odoo, publisher, state, {
    pollIntervalMs: env.POLL_INTERVAL_MS,
    overlapMs: env.ODOO_OVERLAP_MS,
    logger: logger.child({ component: 'capture' }),
    onCycle: (cycle) => observer.onCycle(cycle),
    onOdooVersion: () => uplink.sayHello(), // the relay's status page shows the Odoo version without waiting 30 s
  });

  const helloStatus = async (): Promise<AgentStatusV1> => ({
    agentVersion: AGENT_VERSION,
    odooVersion: captureService.status.odooVersion,
    outboxDepth: (await publisher.depths()).outbox,
    lastPollAt: captureService.status.lastPollAt?.toISOString() ?? null,
  });
  const uplink = new UplinkClient({
    url: env.RELAY_URL,
    token: env.AGENT_TOKEN,
    logger,
    status: helloStatus,
    timings: overrides.uplinkTimings,
  });
  uplink.on('open', () => metrics.uplinkConnected.set(1)).on('close', () => metrics.uplinkConnected.set(0));
  const pump = new OutboxPump(rabbit, uplink, {
    window: env.UPLINK_WINDOW,
    logger,
    retryDelayMs: overrides.retryDelayMs,
    onCommand: (command) => {
      if (command.name === 'poll') captureService.requestPoll('relay');
      else snapshots.onCommand(command);
    },
    onAcked: ({ newestObservedAt }) => {
      metrics.framesAcked.inc();
      if (newestObservedAt !== null) metrics.outboxLag.set(Math.max(0, Date.now() - newestObservedAt) / 1000);
    },
    onRejected: ({ retry }) => metrics.framesRejected.inc({ retry: String(retry) }),
  });

  // Reconciliation snapshots go straight over the socket, read between poll cycles (see snapshot-streamer.ts).
  const snapshots = new SnapshotStreamer({
    open: (correlationId) => SnapshotReader.open(captureService, correlationId),
    send: (frame) => uplink.send(frame),
    save: () => state.flush(),
    logger,
  });
  uplink.on('snapshot', (reply) => snapshots.onReply(reply)).on('close', () => snapshots.onUplinkClose());

  const readiness = (): Readiness => ({
    odoo: observer.odooProblem(),
    rabbitmq: rabbit.problem,
    uplink: uplink.problem,
  });
  const hintHandler = env.AGENT_HINT_SECRET
    ? createHintHandler(env.AGENT_HINT_SECRET, () => captureService.requestPoll('hint'))
    : null;

  rabbit.on('up', () => captureService.outboxAvailable());
  rabbit.start();
  let server: HealthServer;
  try {
    server = await startHealthServer({
      port: env.AGENT_HTTP_PORT,
      logger,
      metrics,
      readiness,
      hintHandler,
      refreshMetrics: async () => {
        const depths = await publisher.depths();
        metrics.outboxDepth.set(depths.outbox);
        metrics.outboxDeadLettered.set(depths.dlq);
        if (depths.outbox === 0 && pump.framesInFlight === 0) metrics.outboxLag.set(0); // caught up
      },
    });
  } catch (err) {
    await rabbit.stop();
    throw describeListenError(err, env.AGENT_HTTP_PORT);
  }
  pump.start();
  uplink.start();
  captureService.start();
  log.info(
    {
      odoo: maskUrl(env.ODOO_URL),
      relay: maskUrl(env.RELAY_URL),
      rabbitmq: maskUrl(env.AMQP_URL),
      httpPort: server.port,
      hints: hintHandler !== null,
    },
    `agent ${AGENT_VERSION} started: polling Odoo every ${env.POLL_INTERVAL_MS} ms, HTTP on port ${server.port}`,
  );

  let stopping: Promise<void> | undefined;
  return {
    httpPort: server.port,
    capture: captureService,
    status(): AgentStatus {
      const r = readiness();
      void publisher.depths(); // refresh for the next call; never throws
      return {
        ready: r.odoo === null && r.rabbitmq === null && r.uplink === null,
        readiness: r,
        uplinkOpen: uplink.isOpen,
        rabbitmqConnected: rabbit.connected,
        outbox: { ...publisher.lastKnownDepths, inFlight: pump.framesInFlight },
        capture: captureService.status,
      };
    },
    stop(): Promise<void> {
      // Order matters: no new levels, then let the relay ack what is in flight, then close the socket and broker.
      stopping ??= (async () => {
        log.info('agent stopping');
        await snapshots.stop();
        await captureService.stop();
        await pump.stop(overrides.settleMs ?? 2_000);
        await uplink.stop();
        await rabbit.stop();
        await server.close();
        log.info('agent stopped');
      })();
      return stopping;
    },
  };
}
