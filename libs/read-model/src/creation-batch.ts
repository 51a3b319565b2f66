import type { ProposalEvent } from '@acme/contracts';
import { MongoNetworkTimeoutError } from 'mongodb';
import { isMongoUnavailable } from './read-model-db';

/** What the bulk path did with one creation; 'retry-one' sends it down the general path. */
export type CreationOutcome = 'applied' | 'settle' | 'retry-one';

interface Waiting {
  event: ProposalEvent;
  resolve: (outcome: CreationOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups creations that arrive together into one bulk write, with one write in flight at a time:
 * while it runs, the next batch fills. Under load batches grow by themselves; a lone event waits for
 * nothing but the end of the current tick. A failed write rejects every event of its batch, and each
 * is retried on its own (their messages go to the retry queue), so nothing is lost or half-reported.
 *
 * A failure that is not MongoDB being away (a document the server refuses, say) is not blamed on the
 * whole batch: every event then takes the single-event path, where only the bad one fails.
 *
 * A write that does not finish within `timeoutMs` counts as failed (MongoDB unavailable), so that one
 * stuck operation cannot hold up every creation behind it. Seen here: an insert in flight while
 * FerretDB was killed never settled, and the whole read side stood still. Should the abandoned write
 * land after all, the redelivered events find it done and are logged as duplicates (no second effect).
 */
export class CreationBatch {
  private waiting: Waiting[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(
    private readonly write: (events: ProposalEvent[]) => Promise<CreationOutcome[]>,
    private readonly maxBatch: number,
    private readonly timeoutMs: number,
  ) {}

  add(event: ProposalEvent): Promise<CreationOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.flushing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MongoNetworkTimeoutError(`bulk write of ${batch.length} creation(s) took over ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const outcomes = await Promise.race([this.write(batch.map((w) => w.event)), timeout]);
      batch.forEach((w, i) => w.resolve(outcomes[i] ?? 'retry-one'));
    } catch (error) {
      if (isMongoUnavailable(error)) for (const w of batch) w.reject(error);
      else for (const w of batch) w.resolve('retry-one');
    } finally {
      clearTimeout(timer);
      this.flushing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
