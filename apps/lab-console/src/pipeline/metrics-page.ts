/**
 * One app's metrics as the page reads them: the JSON that prom-client's registry writes itself
 * (`getMetricsAsJSON`, served at /metrics to `Accept: application/json`), so nothing here parses the
 * Prometheus text format. The page needs sums of counters and gauges and the buckets of histograms,
 * and must never fail on what it does not understand: an unknown entry is skipped, a missing metric
 * is `null` (shown as "n/a").
 */

export type Labels = Readonly<Record<string, string>>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** One cumulative histogram bucket: `count` observations were ≤ `le` (the last `le` is Infinity). */
export interface Bucket {
  le: number;
  count: number;
}

export interface HistogramData {
  buckets: Bucket[];
  count: number;
  sum: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A bucket's bound as prom-client writes it: a number, or the string "+Inf". */
const bound = (le: string | undefined): number => (le === '+Inf' ? Infinity : le === undefined || le.trim() === '' ? NaN : Number(le));

const matches = (labels: Labels, wanted: Labels): boolean => Object.entries(wanted).every(([k, v]) => labels[k] === v);

export class MetricsPage {
  private constructor(
    private readonly samples: readonly Sample[],
    /** Every metric the app registered: a labelled counter with no children yet exists, with value 0. */
    private readonly declared: ReadonlySet<string>,
  ) {}

  /** Several instances' metrics as one: every counter, gauge and histogram adds up over them. */
  static combine(pages: readonly MetricsPage[]): MetricsPage {
    return new MetricsPage(
      pages.flatMap((p) => p.samples),
      new Set(pages.flatMap((p) => [...p.declared])),
    );
  }

  /**
   * Reads `registry.getMetricsAsJSON()`: `[{ name, type, values: [{ value, labels, metricName? }] }]`,
   * where a histogram's values are its `_bucket` (with `le`), `_sum` and `_count` series.
   */
  static fromJson(json: unknown): MetricsPage {
    const samples: Sample[] = [];
    const declared = new Set<string>();
    for (const metric of Array.isArray(json) ? json : []) {
      if (!isRecord(metric) || typeof metric.name !== 'string') continue;
      declared.add(metric.name);
      for (const entry of Array.isArray(metric.values) ? metric.values : []) {
        if (!isRecord(entry) || typeof entry.value !== 'number') continue;
        const labels = isRecord(entry.labels) ? Object.fromEntries(Object.entries(entry.labels).map(([k, v]) => [k, String(v)])) : {};
        samples.push({ name: typeof entry.metricName === 'string' ? entry.metricName : metric.name, labels, value: entry.value });
      }
    }
    return new MetricsPage(samples, declared);
  }

  /**
   * The sum of a counter or gauge over every series matching `labels` (for example the stored events
   * of both publish modes). 0 if the metric is declared but has no matching series; null if absent.
   */
  value(name: string, labels: Labels = {}): number | null {
    let found = false;
    let sum = 0;
    for (const s of this.samples) {
      if (s.name === name && matches(s.labels, labels)) {
        found = true;
        sum += s.value;
      }
    }
    if (found) return sum;
    return this.declared.has(name) ? 0 : null;
  }

  /** A histogram's buckets, count and sum, added up over every series matching `labels`. */
  histogram(name: string, labels: Labels = {}): HistogramData | null {
    const byBound = new Map<number, number>();
    for (const s of this.samples) {
      if (s.name !== `${name}_bucket` || !matches(s.labels, labels)) continue;
      const le = bound(s.labels.le);
      if (!Number.isNaN(le)) byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    }
    if (byBound.size === 0) {
      return this.declared.has(name) ? { buckets: [], count: 0, sum: 0 } : null;
    }
    const buckets = [...byBound.entries()].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count }));
    return {
      buckets,
      count: this.value(`${name}_count`, labels) ?? buckets.at(-1)?.count ?? 0,
      sum: this.value(`${name}_sum`, labels) ?? 0,
    };
  }
}
