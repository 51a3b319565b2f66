import type { PipeTransform } from '@nestjs/common';
import { ProblemException } from './problem';

const MAX_INT32 = 2_147_483_647;

/**
 * Ids and versions in paths and query strings are positive 32-bit integers written plainly:
 * `abc`, `0`, `-1`, `1.5`, `1e3`, `0x10`, `{"$ne":1}` and `..%2F` are all a 400 with the field named.
 */
export function parsePositiveInt(value: string, field: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > MAX_INT32) {
    throw new ProblemException(400, 'VALIDATION.FAILED', `invalid ${field} "${value.slice(0, 40)}"`, [
      { field, message: 'must be a positive integer' },
    ]);
  }
  return Number(value);
}

/** `@Param('id', idPipe)`. */
export const idPipe: PipeTransform<string, number> = { transform: (value: string) => parsePositiveInt(value, 'id') };
