import helmet from '@fastify/helmet';
import { Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pretty from 'pino-pretty';
import { setUpMetrics } from './metrics';
import { ProblemFilter } from './problem.filter';
import { continueTrace, traceIdOf } from './trace-context';
import { activeTraceparent, nameRequestSpan, PROBE_HEADER } from '@acme/telemetry';
import { createValidationPipe } from './validation';

export interface HttpAppOptions {
  name: string;
  port: number;
  logLevel: string;
  /** `pretty`: human-readable coloured lines instead of JSON (a terminal). */
  logFormat?: 'json' | 'pretty';
  bodyLimitBytes?: number;
  /** OpenAPI UI at /docs (the two REST APIs); the workers only serve health and metrics. */
  openApi?: { title: string; description: string };
}

const NEST_START_UP = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Structured JSON logs (pino through nestjs-pino), one object per line; `pretty` for a terminal. Inside
 * a request every line carries the request's W3C trace id, the same id the outbox row and the AMQP
 * headers carry.
 */
function loggerModule(name: string, level: string, format: 'json' | 'pretty') {
  const options: PinoHttpOptions = {
    level,
      base: { app: name },
      messageKey: 'msg',
      genReqId: (req: IncomingMessage) => traceIdOf(header(req, 'traceparent')) ?? randomUUID(),
      customProps: (req: IncomingMessage) => ({ traceId: traceIdOf(header(req, 'traceparent')) }),
      // Probes (the lab console polls /health every second) are not logged. Under Fastify the middleware
      // sees `url` relative to its mount point; `originalUrl` is the path as requested.
      autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => /^\/(health|metrics)\b/.test(req.originalUrl ?? req.url ?? '') },
      // The lab console's polling (the duplicate log every second) is kept, at debug, out of the way.
      customLogLevel: (req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : req.headers[PROBE_HEADER] ? 'debug' : 'info',
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
  };
  if (format === 'json') return LoggerModule.forRoot({ pinoHttp: options });
  // A person reads this: Nest's start-up chatter (a line per module and route) is left to the JSON logs.
  options.hooks = {
    logMethod(args, method, level) {
      const [first] = args as unknown[];
      const context = typeof first === 'object' && first !== null ? (first as { context?: unknown }).context : undefined;
      if (level === 30 && typeof context === 'string' && NEST_START_UP.has(context)) return;
      method.apply(this, args);
    },
  };
  // In-process and synchronous (no worker thread): the stack prefixes each line with the app's name.
  const stream = pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageKey: 'msg',
    messageFormat: '{if context}{context}: {end}{msg}{if req.method} {req.method} {req.url} → {res.statusCode} in {responseTime} ms{end}',
    ignore: 'pid,hostname,app,context,req,res,responseTime,traceId',
  });
  return LoggerModule.forRoot({ pinoHttp: [options, stream] });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Builds a Nest app on Fastify with the house conventions: body size limit, security headers,
 * strict validation, problem+json errors from one filter, OpenAPI, graceful shutdown on SIGTERM.
 */
export async function createHttpApp(
  module: DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  @Module({ imports: [loggerModule(options.name, options.logLevel, options.logFormat ?? 'json'), module] })
  class RootModule {}
  const app = await NestFactory.create<NestFastifyApplication>(
    RootModule,
    new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 64 * 1024, return503OnClosing: true }),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(PinoNestLogger));
  // W3C trace context: continue the caller's trace (or start one) before anything logs, and tell
  // the caller which trace its request became. Controllers read the continued header.
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    // With OpenTelemetry on, the request's span (started by its HTTP instrumentation from the caller's
    // traceparent) is the hop; without it, a span id of our own. Either way once, here.
    req.headers.traceparent = activeTraceparent() ?? continueTrace(req.headers.traceparent);
    res.setHeader('traceparent', req.headers.traceparent);
    next();
  });
  const fastify = app.getHttpAdapter().getInstance();
  setUpMetrics(fastify, options.name);
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url) nameRequestSpan(request.method, request.routeOptions.url);
    done();
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        // Plain http on localhost in the labs: asking browsers to upgrade to https would break /docs.
        upgradeInsecureRequests: null,
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

/**
 * Listens on `host` (HOST: 127.0.0.1 by default, so that a classroom network cannot reach the relay's
 * replay or the lab's fault injection; 0.0.0.0 in a container) and logs where.
 */
export async function listen(app: NestFastifyApplication, name: string, port: number, host: string): Promise<void> {
  await app.listen({ port, host });
  const shown = host === '0.0.0.0' || host === '::' ? `http://127.0.0.1:${port} (all interfaces: HOST=${host})` : `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  new Logger(name).log(`listening on ${shown}`);
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
