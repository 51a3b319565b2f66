import { ProblemException } from '@acme/http';
import type { PipeTransform } from '@nestjs/common';

/** Path ids are positive 32-bit integers; anything else (`abc`, `1e3`, `../x`) is a 400 with a reason. */
export const proposalIdPipe: PipeTransform<string, number> = {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
      throw new ProblemException(400, 'VALIDATION.FAILED', `invalid proposal id "${value.slice(0, 40)}"`, [
        { field: 'id', message: 'must be a positive integer' },
      ]);
    }
    return Number(value);
  },
};
