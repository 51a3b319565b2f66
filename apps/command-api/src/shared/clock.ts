import { randomUUID } from 'node:crypto';

/** Time and ids are passed into the domain, never read by it, so rules test without mocks. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export const newEventId = (): string => randomUUID();
