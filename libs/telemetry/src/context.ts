import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { SpanKind, SpanStatusCode, type Span };

/** The W3C propagator itself, not the global one: it works whether or not the SDK runs. */
const w3c = new W3CTraceContextPropagator();

export const tracer = () => trace.getTracer('acme-proposals');
export const meter = () => metrics.getMeter('acme-proposals');

/** The context a stored or received `traceparent` continues (the root context when there is none). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT;
}

/** The `traceparent` of a span, to store in the outbox row or carry in AMQP headers. */
export function traceparentOf(span: Span): string | undefined {
  if (!isSpanContextValid(span.spanContext())) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** The `traceparent` of the span active right now (an HTTP request's), when telemetry records one. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? traceparentOf(span) : undefined;
}

/**
 * A span that continues `traceparent` (a message's, an outbox row's), not whatever happens to be
 * active: the relay publishes for a request that ended long ago. Without the SDK it is a no-op span
 * with the parent's context, so `traceparentOf` gives back what came in.
 */
export function startSpanFrom(name: string, traceparent: string | undefined, kind: SpanKind, attributes: Attributes = {}): Span {
  return tracer().startSpan(name, { kind, attributes }, contextOf(traceparent));
}

/** Runs `work` inside a span that continues `traceparent`, active for the instrumentations below it. */
export async function inSpanFrom<T>(name: string, traceparent: string | undefined, kind: SpanKind, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const span = startSpanFrom(name, traceparent, kind, attributes);
  try {
    return await context.with(trace.setSpan(contextOf(traceparent), span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `work` in a child span of the active one (a transaction inside a request, say). */
export async function inChildSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the active span (the request's), when telemetry records one. */
export function annotate(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Names the active request span by its route ("POST /proposals/:id/status"), as tracing UIs group them. */
export function nameRequestSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}
