import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricsPage } from './metrics-page';

/** What an app serves at /metrics to `Accept: application/json`: its registry's own JSON. */
async function servedBy(define: (registers: Registry[]) => void, app = 'proposal-subscriber'): Promise<MetricsPage> {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  define([registry]);
  // Through JSON text, as the page receives it over HTTP (Infinity bounds are the string "+Inf").
  return MetricsPage.fromJson(JSON.parse(JSON.stringify(await registry.getMetricsAsJSON())));
}

describe('MetricsPage (prom-client registry JSON)', () => {
  const stored = (registers: Registry[]) => {
    const events = new Counter({ name: 'acme_events_stored_total', help: 'h', labelNames: ['mode'], registers });
    events.inc({ mode: 'outbox' }, 41);
    events.inc({ mode: 'direct' }, 1);
    new Gauge({ name: 'acme_outbox_backlog', help: 'h', registers }).set(7);
    new Counter({ name: 'acme_dead_lettered_total', help: 'h', labelNames: ['reason'], registers });
  };

  it('sums a counter over its series, or over the series matching given labels', async () => {
    const page = await servedBy(stored);

    expect(page.value('acme_events_stored_total')).toBe(42);
    expect(page.value('acme_events_stored_total', { mode: 'direct' })).toBe(1);
    expect(page.value('acme_outbox_backlog')).toBe(7);
  });

  it('reads a declared metric without series as 0, and a metric that is not there as null (n/a)', async () => {
    const page = await servedBy(stored);

    expect(page.value('acme_dead_lettered_total')).toBe(0);
    expect(page.value('acme_events_stored_total', { mode: 'sideways' })).toBe(0);
    expect(page.value('acme_duplicates_total')).toBeNull();
    expect(page.histogram('acme_publish_confirm_seconds')).toBeNull();
  });

  it('reads a histogram as sorted cumulative buckets with its count and sum', async () => {
    const page = await servedBy((registers) => {
      const lag = new Histogram({ name: 'acme_projection_lag_seconds', help: 'h', buckets: [0.05, 0.1], registers });
      for (const seconds of [0.01, 0.02, 0.07, 0.07, 0.08, 0.09, 2, 0.5]) lag.observe(seconds);
      new Histogram({ name: 'acme_publish_confirm_seconds', help: 'h', labelNames: ['outcome'], registers });
    });

    expect(page.histogram('acme_projection_lag_seconds')).toEqual({
      buckets: [
        { le: 0.05, count: 2 },
        { le: 0.1, count: 6 },
        { le: Infinity, count: 8 },
      ],
      count: 8,
      sum: expect.closeTo(2.84, 6) as number,
    });
    expect(page.histogram('acme_publish_confirm_seconds')).toEqual({ buckets: [], count: 0, sum: 0 }); // declared, nothing observed
  });

  it('adds up the buckets of several series of one histogram (e.g. one per route)', async () => {
    const page = await servedBy((registers) => {
      const h = new Histogram({ name: 'h', help: 'h', labelNames: ['route'], buckets: [1], registers });
      h.observe({ route: '/a' }, 0.5);
      h.observe({ route: '/a' }, 5);
      for (const seconds of [0.1, 0.2, 0.3]) h.observe({ route: '/b' }, seconds);
    });

    expect(page.histogram('h')).toMatchObject({ buckets: [{ le: 1, count: 4 }, { le: Infinity, count: 5 }], count: 5 });
    expect(page.histogram('h', { route: '/b' })).toMatchObject({ count: 3 });
  });

  it('skips what it cannot read instead of failing: the page must render whatever an app serves', () => {
    const odd = MetricsPage.fromJson([
      'not a metric',
      { name: 7 },
      { name: 'no_values' },
      { name: 'm', values: [{ value: 'abc' }, null, { value: 2, labels: 'x' }, { value: 3, labels: { a: 1 } }] },
      { name: 'h', values: [{ value: 1, metricName: 'h_bucket', labels: { le: 'soon' } }] },
    ]);

    expect(odd.value('m')).toBe(5);
    expect(odd.value('m', { a: '1' })).toBe(3);
    expect(odd.value('no_values')).toBe(0);
    expect(odd.histogram('h')).toEqual({ buckets: [], count: 0, sum: 0 });
    expect(MetricsPage.fromJson('<html>not metrics</html>').value('anything')).toBeNull();
    expect(MetricsPage.fromJson({ name: 'm' }).value('m')).toBeNull();
  });

  it('adds up several instances of one app: counters, declared metrics and histogram buckets', async () => {
    const instance = (projected: number, lags: number[], declareDuplicates: boolean) =>
      servedBy((registers) => {
        new Counter({ name: 'acme_events_projected_total', help: 'h', registers }).inc(projected);
        if (declareDuplicates) new Counter({ name: 'acme_duplicates_total', help: 'h', registers });
        const lag = new Histogram({ name: 'lag', help: 'h', buckets: [1], registers });
        for (const seconds of lags) lag.observe(seconds);
      });
    const first = await instance(3, [0.5, 2.5], false);
    const second = await instance(4, [0.25, 0.75], true);

    const both = MetricsPage.combine([first, second]);

    expect(both.value('acme_events_projected_total')).toBe(7);
    expect(both.value('acme_duplicates_total')).toBe(0); // declared by one of them only
    expect(both.histogram('lag')).toEqual({ buckets: [{ le: 1, count: 3 }, { le: Infinity, count: 4 }], count: 4, sum: 4 });
    expect(MetricsPage.combine([first]).value('acme_events_projected_total')).toBe(3);
  });
});
