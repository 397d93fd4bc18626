import type { INestApplication } from '@nestjs/common';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { createValidationPipe } from './common/validation.pipe';
import { AgentWsAdapter } from './gateway/agent-ws.adapter';

/** Production pipes, filter, WebSocket adapter and shutdown hooks: shared by main.ts, startRelay and e2e tests. */
export function configureApp<T extends INestApplication>(app: T): T {
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.useWebSocketAdapter(new AgentWsAdapter(app));
  app.enableShutdownHooks();
  return app;
}
