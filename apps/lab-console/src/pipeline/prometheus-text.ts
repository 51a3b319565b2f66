/**
 * A small reader of the Prometheus text exposition format (what prom-client serves at /metrics).
 * The lab console only needs sums of counters and gauges and the buckets of histograms, and it must
 * never fail on what it does not understand: an unknown or malformed line is skipped, a missing
 * metric is `null` (shown as "n/a" on the page).
 *
 * Not a package: the one maintained reader on npm (parse-prometheus-text-format 1.1.1) merges the series
 * of a labelled histogram into one and drops its count and sum — the page's lag and latency charts add
 * up exactly those series.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
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

const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** `NaN`, `+Inf`, `-Inf` and plain numbers; anything else is `undefined`. */
export function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Parses `{a="1",b="x\"y"}` starting at `text[0] === '{'`; returns the labels and the rest of the line. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') return undefined;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') return undefined;
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return undefined; // unterminated string
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    labels[name] = value;
  }
}

/** Parses one sample line, or returns undefined for a comment, a blank or a malformed line. */
export function parseSampleLine(line: string): Sample | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const name = NAME.exec(text)?.[0];
  if (!name) return undefined;
  let rest = text.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) return undefined;
    labels = parsed.labels;
    rest = parsed.rest;
  }
  const [valueText] = rest.trim().split(/\s+/); // an optional timestamp may follow
  const value = valueText === undefined ? undefined : parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

const matches = (labels: Labels, wanted: Labels): boolean => Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** The parsed page of one app's /metrics. */
export class MetricsPage {
  private constructor(
    private readonly samples: readonly Sample[],
    /** Names declared with `# TYPE`: a labelled counter with no children yet exists, with value 0. */
    private readonly declared: ReadonlySet<string>,
  ) {}

  /** Several instances' pages as one: every counter, gauge and histogram adds up over them. */
  static combine(pages: readonly MetricsPage[]): MetricsPage {
    return new MetricsPage(
      pages.flatMap((p) => p.samples),
      new Set(pages.flatMap((p) => [...p.declared])),
    );
  }

  static parse(text: string): MetricsPage {
    const samples: Sample[] = [];
    const declared = new Set<string>();
    for (const line of text.split('\n')) {
      const type = /^#\s*TYPE\s+(\S+)\s+\S+/.exec(line);
      if (type?.[1]) declared.add(type[1]);
      const sample = parseSampleLine(line);
      if (sample) samples.push(sample);
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
    let found = false;
    for (const s of this.samples) {
      if (s.name !== `${name}_bucket` || !matches(s.labels, labels)) continue;
      const le = s.labels.le === undefined ? undefined : parseValue(s.labels.le);
      if (le === undefined || Number.isNaN(le)) continue;
      found = true;
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    }
    if (!found) {
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
