/** A half-open time range [start, end). */
export interface DateRange {
  readonly start: Date;
  readonly end: Date;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range a FHIR date / dateTime / instant covers at its precision
 * (https://hl7.org/fhir/R4/search.html#date): `2024` is the whole year, `2024-03-01T10:00Z`
 * the whole minute. A value with a time but no zone is taken as UTC; a date
 * without time is taken as the UTC day (we have no better zone to assume).
 * Returns undefined for anything that is not a real date.
 */
export function parseDateRange(value: string): DateRange | undefined {
  const m = DATE_TIME.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const start = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) end = Date.UTC(year, month, 1);
  else if (h === undefined) end = Date.UTC(year, month - 1, day + 1);
  else if (s === undefined) end = start + 60_000;
  else if (frac === undefined) end = start + 1000;
  else end = start + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  return { start: new Date(start), end: new Date(end) };
}
