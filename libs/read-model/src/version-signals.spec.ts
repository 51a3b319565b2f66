import { VersionSignals } from './version-signals';

/** How long the wait took, whether woken or timed out. */
async function outcome(wait: Promise<void>, startedAt = Date.now()): Promise<{ ms: number }> {
  await wait;
  return { ms: Date.now() - startedAt };
}

describe('VersionSignals', () => {
  it('wakes a waiter at once when its proposal is signalled, long before its time-out', async () => {
    // given
    const signals = new VersionSignals();
    const expected = signals.expect(7);

    // when
    const waited = outcome(expected.within(10_000));
    signals.signal(7);

    // then
    expect((await waited).ms).toBeLessThan(1_000);
    expect(signals.waiting).toBe(0);
  });

  it('does not miss a signal that comes between expect() and within() (the waiter was reading the view)', async () => {
    // given interest registered, then the signal, and only then the wait
    const signals = new VersionSignals();
    const expected = signals.expect(7);
    signals.signal(7);

    // when / then
    expect((await outcome(expected.within(10_000))).ms).toBeLessThan(1_000);
  });

  it('leaves waiters of other proposals waiting until their time-out, and forgets them after', async () => {
    // given
    const signals = new VersionSignals();
    const waited = outcome(signals.expect(7).within(150));

    // when
    signals.signal(8);

    // then
    expect((await waited).ms).toBeGreaterThanOrEqual(140);
    expect(signals.waiting).toBe(0);
  });

  it('wakes every waiter of the proposal, and cancel() drops an interest without waiting', async () => {
    // given
    const signals = new VersionSignals();
    const a = signals.expect(7);
    const b = signals.expect(7);
    const c = signals.expect(9);
    c.cancel();

    // when
    const both = Promise.all([outcome(a.within(10_000)), outcome(b.within(10_000))]);
    signals.signal(7);

    // then
    expect((await both).every((w) => w.ms < 1_000)).toBe(true);
    expect(signals.waiting).toBe(0);
  });
});
