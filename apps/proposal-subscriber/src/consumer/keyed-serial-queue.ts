/**
 * Runs tasks with the same key one after another, tasks with different keys concurrently.
 * With a prefetch of N the subscriber works on N messages at once, but never on two events of the
 * same proposal at once — so events that arrive in order are applied in order, without retries.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string | number, Promise<void>>();

  run<T>(key: string | number, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  get size(): number {
    return this.tails.size;
  }
}
