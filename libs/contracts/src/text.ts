/**
 * Text limits count Unicode code points — as PostgreSQL's varchar(n) does — not UTF-16 units:
 * "😀" is one character here, in the database and in the event contract alike.
 */
export const codePointLength = (text: string): number => [...text].length;

// C0 and C1 control characters; newlines and tabs are allowed only in multi-line text (notes).
// Matching control characters is the point here, hence the lint exception.
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const CONTROL_OR_NEWLINE = /[\u0000-\u001F\u007F-\u009F]/u;
/* eslint-enable no-control-regex */

/** Well-formed Unicode (no lone surrogates), no control characters, at most `max` code points. */
export function isCleanText(text: string, max: number, multiline = false): boolean {
  return (
    text.isWellFormed() && !(multiline ? CONTROL : CONTROL_OR_NEWLINE).test(text) && codePointLength(text) <= max
  );
}
