/**
 * "Proposal N has a new view version": a wake-up for a query-api read waiting for that view
 * (`?minVersion`). A signal carries no data and promises nothing — the waiter reads the view again to
 * see what changed — so a lost or extra signal costs only time.
 *
 * Signals come from the projection notices the subscribers publish on RabbitMQ (see
 * `listenForProjectionNotices` in @acme/messaging).
 */
export class VersionSignals {
  private readonly waiters = new Map<number, Set<() => void>>();
  /** True while signals from every subscriber reach us (the notice consumer is up). */
  live = false;

  /**
   * Registers interest in `proposalId` now, so that a signal arriving while the caller reads the view
   * is not missed. `within(ms)` then waits for that signal, at most `ms`; `cancel()` drops the interest.
   */
  expect(proposalId: number): { within(ms: number): Promise<void>; cancel(): void } {
    let wake: () => void = () => undefined;
    const signalled = new Promise<void>((resolve) => (wake = resolve));
    let set = this.waiters.get(proposalId);
    if (!set) this.waiters.set(proposalId, (set = new Set()));
    set.add(wake);
    const cancel = () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(proposalId) === set) this.waiters.delete(proposalId);
    };
    return {
      cancel,
      within: async (ms) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([signalled, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
        cancel();
      },
    };
  }

  signal(proposalId: number): void {
    const set = this.waiters.get(proposalId);
    if (!set) return;
    this.waiters.delete(proposalId);
    for (const wake of set) wake();
  }

  /** Proposals someone is waiting for (the tests check that none are left behind). */
  get waiting(): number {
    return this.waiters.size;
  }
}
