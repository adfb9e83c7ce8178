/**
 * The current time as a FHIR instant in UTC with milliseconds
 * (https://hl7.org/fhir/R4/datatypes.html#instant), e.g. 2026-11-27T21:30:00.123Z.
 * Consecutive calls in one millisecond share one string (bulk writes ask thousands
 * of times a second).
 */
let lastMs = -1;
let lastText = '';

export function instantNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}
