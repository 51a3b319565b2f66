import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldIssue } from './problem';

/** Flattens class-validator's nested errors into `pax[1].age: must not be less than 0`. */
export function fieldIssues(errors: ValidationError[], parent = ''): FieldIssue[] {
  return errors.flatMap((error) => {
    const isIndex = /^\d+$/.test(error.property);
    const field = parent === '' ? error.property : isIndex ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...fieldIssues(error.children ?? [], field)];
  });
}

/**
 * Nest's ValidationPipe with `transform` also converts `@Param() id: number` with `+value`, which
 * turns "1e3" into 1000 and "abc" into NaN before the parameter's own pipe can judge the raw text.
 * Here path and query primitives stay strings; their pipes parse them strictly.
 */
class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }
}

/** Whitelist, reject unknown fields, transform to DTO classes; 400 VALIDATION.FAILED with every field. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = fieldIssues(errors);
      const summary = fields.slice(0, 3).map((f) => `${f.field} ${f.message}`).join('; ');
      return new ProblemException(400, 'VALIDATION.FAILED', `invalid request: ${summary}`, fields);
    },
  });
}
