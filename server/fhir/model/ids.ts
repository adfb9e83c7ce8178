import { randomUUID } from 'node:crypto';

/** The longest id (https://hl7.org/fhir/R4/datatypes.html#id). */
const MAX_ID = 64;

/** [A-Za-z0-9\-.]: the characters of an id. */
function isIdChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46;
}

/**
 * Whether `s[from, to)` is an id: 1 to 64 id characters
 * (https://hl7.org/fhir/R4/datatypes.html#id). Read in place, so that a
 * reference's id part is checked without cutting it out first.
 */
export function isIdSpan(s: string, from: number, to: number): boolean {
  if (to <= from || to - from > MAX_ID) return false;
  for (let i = from; i < to; i += 1) if (!isIdChar(s.charCodeAt(i))) return false;
  return true;
}

export function isValidId(id: string): boolean {
  return isIdSpan(id, 0, id.length);
}

/** Server-assigned logical ids are UUIDs (they satisfy the id rule). */
export function newId(): string {
  return randomUUID();
}
