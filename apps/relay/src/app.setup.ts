import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HttpErrorFilter } from './common/errors/http-error.filter';
import { createValidationPipe } from './common/validation.pipe';
import { AgentWsAdapter } from './gateway/agent-ws.adapter';

/** Production pipes, filter, WebSocket adapter and shutdown hooks: shared by main.ts, startRelay and e2e tests. */
export function configureApp<T extends INestApplication>(app: T): T {
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.useWebSocketAdapter(new AgentWsAdapter(app));
  app.enableShutdownHooks();
  setupApiDocs(app);
  return app;
}

/** OpenAPI of the admin API at /docs (UI) and /docs-json; served outside the guard, as it holds no data. */
function setupApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('StockBridge relay admin API')
    .setVersion('v1')
    .setDescription(
      'Send `Authorization: Bearer <key>` (or `X-Api-Key`): the ADMIN_API_KEY sees every tenant, a tenant key ' +
        '(sbk_...) only its own; another tenant answers 404. Errors: `{error: {code, message, details}}`, ' +
        'a 400 names each bad field in `details`.',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY or a tenant key (sbk_...)' })
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
