import type { StatusPart } from '@acme/lab-core';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Below this a status is quick enough to need no progress line. */
const SHOW_AFTER_MS = 300;

/** The progress line: what a status still waits for, and for how long. */
export function progressLine(pending: readonly StatusPart[], elapsedMs: number, frame = 0): string {
  const what = pending.length > 0 ? `waiting for ${pending.join(', ')}` : 'judging';
  return `${FRAMES[frame % FRAMES.length] ?? ''} reading the pipeline (${(elapsedMs / 1000).toFixed(1)} s): ${what}`;
}

/**
 * A spinner on a terminal while `status` reads: a store or an app that is down makes its read wait for
 * a timeout (MongoDB stopped: about 2 s), and the line says which one. Nothing on a pipe or with --json.
 */
export class StatusProgress {
  private readonly pending = new Set<StatusPart>();
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private shown = false;

  constructor(private readonly out: Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean }) {
    if (!out.isTTY) return;
    this.timer = setInterval(() => this.draw(), 100);
  }

  track = <T>(part: StatusPart, read: Promise<T>): Promise<T> => {
    this.pending.add(part);
    return read.finally(() => this.pending.delete(part));
  };

  private draw(): void {
    if (Date.now() - this.started < SHOW_AFTER_MS) return;
    this.shown = true;
    this.out.write(`\r\x1b[2K${progressLine([...this.pending], Date.now() - this.started, this.frame++)}`);
  }

  /** Clears the line before the table is printed. */
  stop(): void {
    clearInterval(this.timer);
    if (this.shown) this.out.write('\r\x1b[2K');
  }
}
