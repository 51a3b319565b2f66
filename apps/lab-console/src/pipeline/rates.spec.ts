import { counterRate, histogramDelta, intervalQuantile, quantile } from './rates';

const at = (second: number) => 1_000_000 + second * 1_000;

describe('rates from counter deltas', () => {
  it('is the increase over the window divided by the time it spans', () => {
    const readings = [0, 1, 2, 3, 4, 5].map((s) => ({ at: at(s), value: 10 + s * 3 }));
    expect(counterRate(readings, at(5), 5_000)).toBe(3);
  });

  it('uses only the readings inside the window', () => {
    const readings = [
      { at: at(0), value: 0 },
      { at: at(1), value: 1_000 }, // a burst long ago
      { at: at(9), value: 1_000 },
      { at: at(10), value: 1_002 },
    ];
    expect(counterRate(readings, at(10), 1_000)).toBe(2);
  });

  it('counts a counter that went down as a restart of its app (the new value is the increase)', () => {
    const readings = [
      { at: at(0), value: 50 },
      { at: at(1), value: 52 },
      { at: at(2), value: 4 }, // restarted, then 4 more
    ];
    expect(counterRate(readings, at(2), 5_000)).toBe(3);
  });

  it('skips the seconds an app did not answer, and has no rate with fewer than two readings', () => {
    const gap = [
      { at: at(0), value: 10 },
      { at: at(1), value: null },
      { at: at(2), value: 14 },
    ];
    expect(counterRate(gap, at(2), 5_000)).toBe(2);
    expect(counterRate([{ at: at(0), value: 3 }], at(0), 5_000)).toBeNull();
    expect(counterRate([{ at: at(0), value: null }, { at: at(1), value: null }], at(1), 5_000)).toBeNull();
  });

  it('is 0, not null, for a counter that is known and did not move', () => {
    expect(counterRate([{ at: at(0), value: 7 }, { at: at(1), value: 7 }], at(1), 5_000)).toBe(0);
  });
});

describe('percentiles of a histogram over an interval', () => {
  const buckets = (...pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

  it('interpolates inside the bucket where the quantile falls, as histogram_quantile does', () => {
    // 10 observations: 4 ≤ 0.1 s, 8 ≤ 0.5 s, 10 ≤ 1 s → the 5th lies a quarter into (0.1, 0.5]
    expect(quantile(0.5, buckets([0.1, 4], [0.5, 8], [1, 10], [Infinity, 10]))).toBeCloseTo(0.2);
  });

  it('reports the highest finite bound when the quantile is in the +Inf bucket, and null without observations', () => {
    expect(quantile(0.5, buckets([1, 0], [Infinity, 3]))).toBe(1);
    expect(quantile(0.5, buckets([1, 0], [Infinity, 0]))).toBeNull();
    expect(quantile(0.5, [])).toBeNull();
  });

  it('takes the observations of an interval as the difference of two readings', () => {
    const before = { buckets: buckets([0.1, 5], [1, 5], [Infinity, 5]), count: 5, sum: 0.2 };
    const after = { buckets: buckets([0.1, 5], [1, 7], [Infinity, 8]), count: 8, sum: 12.2 };
    const delta = histogramDelta(after, before);

    expect(delta).toEqual({ buckets: buckets([0.1, 0], [1, 2], [Infinity, 3]), count: 3, sum: 12 });
    expect(quantile(0.5, delta.buckets)).toBeCloseTo(0.775); // the slow events only, not the fast ones from before
  });

  it('reports the exact value when the interval saw a single observation (no interpolation in a wide bucket)', () => {
    const one = { buckets: buckets([10, 0], [30, 1], [Infinity, 1]), count: 1, sum: 10.5 };
    expect(quantile(0.5, one.buckets)).toBe(20);
    expect(intervalQuantile(0.5, one)).toBe(10.5);
    expect(intervalQuantile(0.5, { buckets: [], count: 0, sum: 0 })).toBeNull();
  });

  it('takes the whole histogram when its app restarted in between (the count went down)', () => {
    const before = { buckets: buckets([1, 9], [Infinity, 9]), count: 9, sum: 1 };
    const after = { buckets: buckets([1, 2], [Infinity, 2]), count: 2, sum: 0.5 };
    expect(histogramDelta(after, before)).toBe(after);
    expect(histogramDelta(after, null)).toBe(after);
  });

  it('counts nothing across a step where the instances added up changed (a second subscriber started, then stopped)', () => {
    const readings = [
      { at: 0, value: 10, sources: 'a' },
      { at: 1_000, value: 12, sources: 'a' },
      { at: 2_000, value: 40, sources: 'a b' }, // b joined with 26 of its own
      { at: 3_000, value: 44, sources: 'a b' },
      { at: 4_000, value: 16, sources: 'a' }, // b stopped: the sum fell, nobody restarted
      { at: 5_000, value: 18, sources: 'a' },
    ];
    expect(counterRate(readings, 5_000, 10_000)).toBeCloseTo((2 + 4 + 2) / 5);
  });
});
