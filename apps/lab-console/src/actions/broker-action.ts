import { ProblemException } from '@acme/http';

/** Runs an action on RabbitMQ; a broker that is down or refuses is a 503 the page can show. */
export async function brokerAction<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProblemException(503, 'DEPENDENCY.UNAVAILABLE', `RabbitMQ: ${what} failed (${reason})`);
  }
}
