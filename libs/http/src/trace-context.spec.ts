import { continueTrace, traceIdOf } from './trace-context';

// W3C trace context, version 00: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lower case.
const VALID_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const INCOMING_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING_SPAN_ID = '00f067aa0ba902b7';
const INCOMING = `00-${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-01`;

const parts = (traceparent: string) => {
  const [version, traceId, spanId, flags] = traceparent.split('-');
  return { version, traceId, spanId, flags };
};

describe('continueTrace', () => {
  it('keeps the trace id of a valid incoming traceparent', () => {
    // when
    const traceparent = continueTrace(INCOMING);

    // then
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    expect(parts(traceparent).traceId).toBe(INCOMING_TRACE_ID);
  });

  it('gives this hop a new span id of its own', () => {
    // when
    const traceparent = continueTrace(INCOMING);

    // then
    const { spanId } = parts(traceparent);
    expect(spanId).not.toBe(INCOMING_SPAN_ID);
    expect(spanId).not.toBe('0000000000000000');
  });

  it('continues an upper-case or padded incoming traceparent (header values are normalised)', () => {
    // when
    const traceparent = continueTrace(`  ${INCOMING.toUpperCase()} `);

    // then
    expect(parts(traceparent).traceId).toBe(INCOMING_TRACE_ID);
  });

  it('uses the first value when the header arrives more than once', () => {
    // when
    const traceparent = continueTrace([INCOMING, '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01']);

    // then
    expect(parts(traceparent).traceId).toBe(INCOMING_TRACE_ID);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['an empty list', []],
    ['garbage', 'not-a-traceparent'],
    ['a too-short trace id', '00-4bf92f3577b34da6-00f067aa0ba902b7-01'],
    ['non-hex characters', '00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01'],
    ['an all-zero traceparent', '00-00000000000000000000000000000000-0000000000000000-00'],
    ['an all-zero trace id', `00-00000000000000000000000000000000-${INCOMING_SPAN_ID}-01`],
  ] as const)('starts a new valid trace when the incoming traceparent is %s', (_case, header) => {
    // when
    const traceparent = continueTrace(header as string | string[] | undefined);

    // then
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    const { traceId, spanId } = parts(traceparent);
    expect(traceId).not.toBe('00000000000000000000000000000000');
    expect(spanId).not.toBe('0000000000000000');
  });

  // W3C Trace Context §3.2.2.4: an all-zero parent-id is invalid and the receiver MUST ignore the
  // whole traceparent, i.e. start a new trace rather than continue the one it names.
  it('starts a new trace when the incoming parent id is all zeros (W3C: ignore the header)', () => {
    // given
    const header = `00-${INCOMING_TRACE_ID}-0000000000000000-01`;

    // when
    const traceparent = continueTrace(header);

    // then
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    expect(parts(traceparent).traceId).not.toBe(INCOMING_TRACE_ID);
  });

  it('starts a different trace for each request without a traceparent', () => {
    // when
    const first = continueTrace(undefined);
    const second = continueTrace(undefined);

    // then
    expect(parts(first).traceId).not.toBe(parts(second).traceId);
  });

  it('produces a traceparent whose trace id traceIdOf can read back', () => {
    // when
    const traceparent = continueTrace(INCOMING);

    // then
    expect(traceIdOf(traceparent)).toBe(INCOMING_TRACE_ID);
  });
});
