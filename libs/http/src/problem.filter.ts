import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem';

/** The single place where errors become HTTP responses (application/problem+json). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const body = toProblem(error, request.url);
  if (body.status >= 500) {
    logger.error(`${request.method} ${request.url} failed: ${(error as Error)?.stack ?? String(error)}`);
  }
  void reply.status(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}
