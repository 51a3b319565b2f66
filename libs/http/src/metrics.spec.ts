import Fastify from 'fastify';
import { setUpMetrics } from './metrics';

describe('GET /metrics', () => {
  const fastify = Fastify();
  beforeAll(async () => {
    setUpMetrics(fastify, 'test-app');
    fastify.get('/ping', () => 'pong');
    await fastify.ready();
    await fastify.inject({ method: 'GET', url: '/ping' });
  });
  afterAll(() => fastify.close());

  it('serves the Prometheus text format to Prometheus', async () => {
    const accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

    const answer = await fastify.inject({ method: 'GET', url: '/metrics', headers: { accept } });

    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(answer.body).toMatch(/^acme_http_request_duration_seconds_count\{app="test-app",method="GET",route="\/ping",status_code="200"\} 1$/m);
  });

  it("serves the registry's own JSON to a client that asks for JSON first (the lab console)", async () => {
    const answer = await fastify.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/json' } });

    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const metrics = answer.json<{ name: string; values: { metricName?: string; labels: Record<string, unknown>; value: number }[] }[]>();
    const requests = metrics.find((m) => m.name === 'acme_http_request_duration_seconds');
    expect(requests?.values).toContainEqual({ metricName: 'acme_http_request_duration_seconds_count', labels: { method: 'GET', route: '/ping', status_code: 200, app: 'test-app' }, value: 1 });
  });
});
