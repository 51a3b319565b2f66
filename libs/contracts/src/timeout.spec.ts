import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from './timeout';

describe('withTimeout', () => {
  const never = new Promise<never>(() => undefined);

  it("gives the work's result, or its failure, when it settles in time", async () => {
    await expect(withTimeout(sleep(5, 'done'), 1_000, 'short work')).resolves.toBe('done');
    await expect(withTimeout(Promise.reject(new Error('refused')), 1_000, 'failing work')).rejects.toThrow('refused');
  });

  it('rejects once the time is up, naming what took too long, or with the error asked for', async () => {
    await expect(withTimeout(never, 20, 'reading the DLQ')).rejects.toThrow('reading the DLQ took longer than 20 ms');
    class Hung extends Error {}
    await expect(withTimeout(never, 20, () => new Hung('no answer'))).rejects.toBeInstanceOf(Hung);
  });

  it('leaves no timer behind once the work has settled', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await withTimeout(Promise.resolve(1), 60_000, 'quick work');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });
});
