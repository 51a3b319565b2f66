import { isCleanText } from '@acme/contracts';
import { ValidateBy } from 'class-validator';

/**
 * Text a person typed: well-formed Unicode (no lone surrogates, which PostgreSQL's jsonb rejects),
 * no control characters (NUL breaks PostgreSQL text), at most `max` characters counted as PostgreSQL
 * and the event contract count them (code points). Multi-line text may contain newlines and tabs.
 */
export function IsCleanText(max: number, options: { multiline?: boolean; notBlank?: boolean } = {}): PropertyDecorator {
  const { multiline = false, notBlank = false } = options;
  return ValidateBy({
    name: 'isCleanText',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && isCleanText(value, max, multiline) && (!notBlank || value.trim().length > 0),
      defaultMessage: () =>
        `must be ${notBlank ? 'non-blank, ' : ''}well-formed text of at most ${max} characters` +
        `${multiline ? '' : ' on one line'}, without control characters`,
    },
  });
}
