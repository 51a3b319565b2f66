import type { Bucket, HistogramData } from './metrics-page';

/** One reading of a counter; `value` is null when the app did not answer. */
export interface CounterReading {
  at: number; // ms since the epoch
  value: number | null;
  /** Which instances the value adds up (their URLs); a step between different sets is not counted. */
  sources?: string;
}

/**
 * Per-second rate of a counter over the readings of the last `windowMs`, computed from the deltas
 * between successive readings. A counter that went down means its app restarted (counters start again
 * at 0), so that step counts as the new value, as Prometheus' rate() does. A step across which the
 * instances summed changed (one started or stopped) counts nothing: the sum jumped, nobody worked.
 * Null with fewer than two readings (an app that is down has no rate, which is different from a rate of 0).
 */
export function counterRate(readings: readonly CounterReading[], now: number, windowMs: number): number | null {
  const known = readings.filter((r): r is CounterReading & { value: number } => r.value !== null && r.at >= now - windowMs && r.at <= now);
  const first = known[0];
  const last = known.at(-1);
  if (!first || !last || last.at <= first.at) return null;
  let increase = 0;
  for (let i = 1; i < known.length; i++) {
    if (known[i]!.sources !== known[i - 1]!.sources) continue;
    const previous = known[i - 1]!.value;
    const current = known[i]!.value;
    increase += current >= previous ? current - previous : current;
  }
  return increase / ((last.at - first.at) / 1000);
}

/**
 * The observations a histogram received between two readings (bucket by bucket). If the app restarted
 * in between (a count went down), the whole current histogram is the interval's.
 */
export function histogramDelta(current: HistogramData, previous: HistogramData | null): HistogramData {
  if (!previous || current.count < previous.count) return current;
  const before = new Map(previous.buckets.map((b) => [b.le, b.count]));
  const reset = current.buckets.some((b) => b.count < (before.get(b.le) ?? 0));
  if (reset) return current;
  return {
    buckets: current.buckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) })),
    count: current.count - previous.count,
    sum: current.sum - previous.sum,
  };
}

/**
 * The q-quantile of an interval's observations. With a single observation its exact value is known
 * (the sum); interpolating inside a wide bucket would report, say, 20 s for an event that took 10.5 s.
 */
export function intervalQuantile(q: number, delta: HistogramData): number | null {
  if (delta.count <= 0) return null;
  if (delta.count === 1) return delta.sum;
  return quantile(q, delta.buckets);
}

/**
 * The q-quantile (0 < q < 1) of cumulative buckets, interpolated linearly inside the bucket where it
 * falls, as Prometheus' histogram_quantile() does. Null without observations. A quantile in the +Inf
 * bucket is reported as the highest finite bound (all we know is "more than that").
 */
export function quantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
