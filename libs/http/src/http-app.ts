import helmet from '@fastify/helmet';
import { ConsoleLogger, Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

export interface HttpAppOptions {
  name: string;
  port: number;
  logLevel: string;
  bodyLimitBytes?: number;
  /** OpenAPI UI at /docs (the two REST APIs); the workers only serve health and metrics. */
  openApi?: { title: string; description: string };
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Structured JSON logs, one object per line, at the configured level. */
export function createLogger(name: string, level: string): ConsoleLogger {
  const mapped = level === 'info' ? 'log' : level === 'trace' ? 'verbose' : level;
  const cut = level === 'silent' ? 0 : LEVELS.indexOf(mapped as LogLevel) + 1;
  return new ConsoleLogger(name, { json: true, logLevels: LEVELS.slice(0, Math.max(cut, 1)), colors: false });
}

/**
 * Builds a Nest app on Fastify with the house conventions: body size limit, security headers,
 * strict validation, problem+json errors from one filter, OpenAPI, graceful shutdown on SIGTERM.
 */
export async function createHttpApp(
  module: Parameters<typeof NestFactory.create>[0],
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const logger = createLogger(options.name, options.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 64 * 1024, return503OnClosing: true }),
    { logger, abortOnError: false },
  );
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
      },
    },
  });
  // Errors Fastify raises before a route runs (invalid JSON, body too large, wrong content type)
  // reach the same ProblemFilter: Nest wraps them in an HttpException with Fastify's status.
  // JSON only: Fastify would otherwise parse text/plain bodies into strings (then: 400 for every field).
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();
  if (options.openApi) setUpOpenApi(app, options.openApi);
  return app;
}

function setUpOpenApi(app: INestApplication, openApi: { title: string; description: string }): void {
  const config = new DocumentBuilder().setTitle(openApi.title).setDescription(openApi.description).build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}

/** Listens on 0.0.0.0 (reachable from compose's network) and logs where. */
export async function listen(app: NestFastifyApplication, name: string, port: number): Promise<void> {
  await app.listen({ port, host: '0.0.0.0' });
  new Logger(name).log(`listening on http://127.0.0.1:${port}`);
}

/**
 * Runs an app's start-up; a failure (bad configuration, unreachable database) prints one clear
 * message and exits 1 instead of an unhandled-rejection stack.
 */
export function runMain(name: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: failed to start: ${message}\n`);
    process.exit(1);
  });
}
