import { Module } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { MetricsController } from './metrics.controller';

/** Process metrics (CPU, memory, event loop lag) once per process: several relays may share one in tests. */
function collectProcessMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register });
}

/** GET /metrics. The metrics themselves belong to the features that move them. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {
  constructor() {
    collectProcessMetricsOnce();
  }
}
