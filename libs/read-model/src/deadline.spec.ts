import { isMongoUnavailable, MongoOperationHung, withinDeadline } from './read-model-db';

describe('withinDeadline', () => {
  it('passes through what settles in time, and turns an operation that never settles into "MongoDB unavailable"', async () => {
    await expect(withinDeadline(Promise.resolve(7), 'a find', 50)).resolves.toBe(7);
    await expect(withinDeadline(Promise.reject(new Error('refused')), 'a find', 50)).rejects.toThrow('refused');

    const hung = withinDeadline(new Promise<never>(() => undefined), 'an insert', 50);

    await expect(hung).rejects.toBeInstanceOf(MongoOperationHung);
    expect(isMongoUnavailable(await hung.catch((e: unknown) => e))).toBe(true);
  });
});
