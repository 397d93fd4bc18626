import { Controller, Get, Header, Req } from '@nestjs/common';
import { register } from 'prom-client';
import { Public } from '../common/auth/auth.decorators';
import { DomainError } from '../common/errors/domain-error';
import { RelayEnv } from '../config/relay-env';
import { metricsAccessAllowed } from './metrics-token';

interface ScrapeRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Prometheus text of prom-client's default registry, where every feature defines its metrics (push.metrics.ts,
 * gateway.metrics.ts, ...). Outside the admin API key: public like /healthz, or behind METRICS_TOKEN when set.
 */
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly env: RelayEnv) {}

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  async metrics(@Req() req: ScrapeRequest): Promise<string> {
    if (!metricsAccessAllowed(req.headers, this.env.METRICS_TOKEN))
      throw new DomainError(
        'UNAUTHORIZED',
        'metrics: send Authorization: Bearer <METRICS_TOKEN> (the relay has METRICS_TOKEN set)',
      );
    return register.metrics();
  }
}
