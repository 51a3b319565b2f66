import { setTimeout as sleep } from 'node:timers/promises';
import { progressLine, StatusProgress } from './status-progress';

describe('the status progress line', () => {
  it('names what a slow status still waits for, and for how long', () => {
    expect(progressLine(['MongoDB', 'proposal-subscriber'], 1_234)).toBe('⠋ reading the pipeline (1.2 s): waiting for MongoDB, proposal-subscriber');
    expect(progressLine([], 2_000, 1)).toBe('⠙ reading the pipeline (2.0 s): judging');
  });

  it('draws on a terminal while a read is slow, then clears the line before the table', async () => {
    // Given a terminal, and a MongoDB read that takes a while next to a quick PostgreSQL one
    const written: string[] = [];
    const progress = new StatusProgress({ isTTY: true, write: (text: string) => written.push(text) > 0 });
    void progress.track('PostgreSQL', Promise.resolve(1));
    const slow = progress.track('MongoDB', sleep(600));

    // When the read settles and the status stops
    await slow;
    progress.stop();

    // Then the line said what was pending, and ended cleared
    expect(written.some((line) => line.includes('waiting for MongoDB'))).toBe(true);
    expect(written.some((line) => line.includes('PostgreSQL'))).toBe(false);
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes nothing on a pipe (scripts, --json) or for a quick status', async () => {
    const piped: string[] = [];
    const onPipe = new StatusProgress({ isTTY: false, write: (text: string) => piped.push(text) > 0 });
    await onPipe.track('MongoDB', sleep(500));
    onPipe.stop();

    const quick: string[] = [];
    const onTerminal = new StatusProgress({ isTTY: true, write: (text: string) => quick.push(text) > 0 });
    await onTerminal.track('MongoDB', sleep(20));
    onTerminal.stop();

    expect([piped, quick]).toEqual([[], []]);
  });
});
