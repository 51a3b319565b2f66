import type { WriteStorePort } from '@acme/domain';
import { ProblemException } from '@acme/http';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WRITE_STORE } from './tokens';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The part of the HTTP reply this sets (Fastify's reply has it). */
export interface ReplyStatus {
  statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * `Idempotency-Key` on POST, in one place. The request's command runs inside the transaction that
 * stores its response, so a retry (same key, same body) gets the first response — same status, same
 * body, header `idempotent-replayed` — and creates nothing; both commit together or neither does.
 * Requests with the same key take turns (a transaction-scoped lock), so two at once create one thing.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(@Inject(WRITE_STORE) private readonly writes: WriteStorePort) {}

  async respondOnce<T>(key: string | undefined, body: unknown, reply: ReplyStatus, execute: () => Promise<T>): Promise<T> {
    if (key === undefined) return execute();
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Idempotency-Key must be 1-200 visible ASCII characters', [
        { field: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' },
      ]);
    }
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    return this.writes.inTransaction(async (store) => {
      const first = await store.lockIdempotencyKey(key);
      if (first) {
        if (first.requestHash !== requestHash) {
          throw new ProblemException(422, 'IDEMPOTENCY.KEY_REUSED', 'this Idempotency-Key was already used with a different request body', [
            { field: 'Idempotency-Key', message: 'reused with a different body' },
          ]);
        }
        reply.header('idempotent-replayed', 'true');
        reply.status(first.status);
        return first.body as T;
      }
      // The command's own inTransaction joins this one.
      const response = await execute();
      await store.saveIdempotentResponse(key, { requestHash, status: reply.statusCode, body: response });
      return response;
    });
  }
}
