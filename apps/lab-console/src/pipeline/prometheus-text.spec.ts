import { MetricsPage, parseSampleLine, parseValue } from './prometheus-text';

// What prom-client serves: HELP/TYPE lines, default labels after the metric's own, histograms as buckets.
const PAGE = `# HELP acme_events_stored_total Proposal changes committed by the command API
# TYPE acme_events_stored_total counter
acme_events_stored_total{mode="outbox",app="command-api"} 41
acme_events_stored_total{mode="direct",app="command-api"} 1

# HELP acme_outbox_backlog Unprocessed outbox rows
# TYPE acme_outbox_backlog gauge
acme_outbox_backlog{app="event-processor"} 7

# TYPE acme_dead_lettered_total counter

# TYPE acme_projection_lag_seconds histogram
acme_projection_lag_seconds_bucket{le="0.05",app="proposal-subscriber"} 2
acme_projection_lag_seconds_bucket{le="0.1",app="proposal-subscriber"} 6
acme_projection_lag_seconds_bucket{le="+Inf",app="proposal-subscriber"} 8
acme_projection_lag_seconds_sum{app="proposal-subscriber"} 3.5
acme_projection_lag_seconds_count{app="proposal-subscriber"} 8
`;

describe('Prometheus text format', () => {
  it('sums a counter over its series, or over the series matching given labels', () => {
    const page = MetricsPage.parse(PAGE);

    expect(page.value('acme_events_stored_total')).toBe(42);
    expect(page.value('acme_events_stored_total', { mode: 'direct' })).toBe(1);
    expect(page.value('acme_outbox_backlog')).toBe(7);
  });

  it('reads a declared metric without series as 0, and a metric that is not there as null (n/a)', () => {
    const page = MetricsPage.parse(PAGE);

    expect(page.value('acme_dead_lettered_total')).toBe(0);
    expect(page.value('acme_events_stored_total', { mode: 'sideways' })).toBe(0);
    expect(page.value('acme_duplicates_total')).toBeNull();
    expect(page.histogram('acme_publish_confirm_seconds')).toBeNull();
  });

  it('reads a histogram as sorted cumulative buckets with its count and sum', () => {
    expect(MetricsPage.parse(PAGE).histogram('acme_projection_lag_seconds')).toEqual({
      buckets: [
        { le: 0.05, count: 2 },
        { le: 0.1, count: 6 },
        { le: Infinity, count: 8 },
      ],
      count: 8,
      sum: 3.5,
    });
  });

  it('adds up the buckets of several series of one histogram (e.g. one per route)', () => {
    const page = MetricsPage.parse(
      [
        'h_bucket{route="/a",le="1"} 1',
        'h_bucket{route="/a",le="+Inf"} 2',
        'h_bucket{route="/b",le="1"} 3',
        'h_bucket{route="/b",le="+Inf"} 3',
        'h_count{route="/a"} 2',
        'h_count{route="/b"} 3',
      ].join('\n'),
    );
    expect(page.histogram('h')).toMatchObject({ buckets: [{ le: 1, count: 4 }, { le: Infinity, count: 5 }], count: 5 });
    expect(page.histogram('h', { route: '/b' })).toMatchObject({ count: 3 });
  });

  it('reads escaped label values, special values, timestamps and windows line ends', () => {
    expect(parseSampleLine('m{path="C:\\\\x",msg="say \\"hi\\"\\n",brace="}"} 1.5e3 1700000000000\r')).toEqual({
      name: 'm',
      labels: { path: 'C:\\x', msg: 'say "hi"\n', brace: '}' },
      value: 1500,
    });
    expect(parseSampleLine('up +Inf')?.value).toBe(Infinity);
    expect(parseSampleLine('down -Inf')?.value).toBe(-Infinity);
    expect(parseSampleLine('odd NaN')?.value).toBeNaN();
    expect(parseValue('0x10')).toBeUndefined();
  });

  it('skips what it cannot read instead of failing: the page must render whatever an app serves', () => {
    const page = MetricsPage.parse(
      ['<html>not metrics</html>', 'm{unterminated="x 1', 'm{=1} 2', 'm abc', 'm', '9starts_with_digit 1', 'good 3'].join('\n'),
    );
    expect(page.value('good')).toBe(3);
    expect(page.value('m')).toBeNull();
    expect(MetricsPage.parse('').value('anything')).toBeNull();
  });

  it('adds up several instances of one app: counters, declared metrics and histogram buckets', () => {
    const first = MetricsPage.parse(
      ['# TYPE acme_events_projected_total counter', 'acme_events_projected_total 3', '# TYPE lag histogram', 'lag_bucket{le="1"} 1', 'lag_bucket{le="+Inf"} 2', 'lag_count 2', 'lag_sum 3'].join('\n'),
    );
    const second = MetricsPage.parse(
      ['acme_events_projected_total 4', '# TYPE acme_duplicates_total counter', 'lag_bucket{le="1"} 2', 'lag_bucket{le="+Inf"} 2', 'lag_count 2', 'lag_sum 1'].join('\n'),
    );

    const both = MetricsPage.combine([first, second]);

    expect(both.value('acme_events_projected_total')).toBe(7);
    expect(both.value('acme_duplicates_total')).toBe(0); // declared by one of them only
    expect(both.histogram('lag')).toEqual({ buckets: [{ le: 1, count: 3 }, { le: Infinity, count: 4 }], count: 4, sum: 4 });
    expect(MetricsPage.combine([first]).value('acme_events_projected_total')).toBe(3);
  });
});
