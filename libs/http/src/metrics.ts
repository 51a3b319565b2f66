import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, register } from 'prom-client';

let registered = false;

/**
 * Prometheus metrics at GET /metrics (or their JSON, to `Accept: application/json`): process metrics, an HTTP latency histogram per route, and
 * whatever the app registers on prom-client's default registry (outbox backlog, projections, ...).
 */
export function setUpMetrics(fastify: FastifyInstance, app: string): void {
  if (!registered) {
    registered = true;
    register.setDefaultLabels({ app });
    collectDefaultMetrics({ prefix: 'acme_' });
  }
  const duration =
    (register.getSingleMetric('acme_http_request_duration_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'acme_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      duration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000);
    }
    done();
  });
  // Prometheus gets its text format; a client that asks for JSON first (the lab console) gets the
  // registry's own JSON, so it reads the figures without parsing the text format.
  fastify.get('/metrics', async (request, reply) => {
    if (request.headers.accept?.trimStart().startsWith('application/json')) return register.getMetricsAsJSON();
    void reply.header('content-type', register.contentType);
    return register.metrics();
  });
}
