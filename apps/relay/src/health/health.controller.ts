import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { Public } from '../common/auth/auth.decorators';
import { ReadinessRegistry } from './readiness.registry';

interface StatusResponse {
  status(code: number): { json(body: unknown): unknown };
}

@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every registered dependency answers; 503 names the ones that do not. */
  @Get('readyz')
  async ready(@Res() res: StatusResponse): Promise<void> {
    const { ready, checks } = await this.readiness.run();
    res
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: ready ? 'ok' : 'unavailable', checks });
  }
}
