import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry is on when an OTLP endpoint is configured with the standard variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and `OTEL_SDK_DISABLED`
 * is not `true`. Off, the API calls in the code are no-ops and nothing is exported.
 */
export function telemetryConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The header the lab console's once-a-second reads carry: polling, not a user's request. */
export const PROBE_HEADER = 'x-acme-probe';

/** Requests that are polling, not work: health and metrics probes, and the lab console's reads. */
const isProbe = (url: string | undefined, headers: Record<string, unknown>) =>
  /^\/(health|metrics)\b/.test(url ?? '') || headers[PROBE_HEADER] !== undefined;

let started: NodeSDK | undefined;

/**
 * Starts the SDK for `serviceName` when configured: traces of the HTTP server and client, PostgreSQL
 * and MongoDB (instrumentations), plus the spans the code makes itself (the relay's publish, the
 * subscriber's projection), and the metrics the code registers. Must run before `http`, `pg` and
 * `mongodb` are loaded (each app's `src/telemetry.ts`, imported first by its main.ts).
 * The standard variables apply (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_BSP_SCHEDULE_DELAY, …).
 */
export function startTelemetry(serviceName: string): void {
  if (started || !telemetryConfigured()) return;
  const metricsWanted = process.env.OTEL_METRICS_EXPORTER !== 'none';
  started = new NodeSDK({
    serviceName,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => isProbe(req.url, req.headers),
        ignoreOutgoingRequestHook: () => true, // the apps' own HTTP calls are probes (the lab console)
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
    ...(metricsWanted
      ? {
          metricReaders: [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter(),
              exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 15_000),
            }),
          ],
        }
      : {}),
  });
  started.start();
  const stop = () => void started?.shutdown().catch(() => undefined);
  process.once('beforeExit', stop);
}

/** Flushes and stops the SDK (graceful shutdown), if it was started. */
export async function stopTelemetry(): Promise<void> {
  await started?.shutdown().catch(() => undefined);
  started = undefined;
}
