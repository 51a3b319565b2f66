import { ProblemException } from '@acme/http';
import type { PipeTransform } from '@nestjs/common';

/** Path ids are positive 32-bit integers; anything else (`abc`, `{"$ne":1}`, `..%2F`) is a 400. */
export const idPipe: PipeTransform<string, number> = {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
      throw new ProblemException(400, 'VALIDATION.FAILED', `invalid id "${value.slice(0, 40)}"`, [
        { field: 'id', message: 'must be a positive integer' },
      ]);
    }
    return Number(value);
  },
};
