/**
 * FHIRPath comparison of two FHIR date / dateTime / instant values
 * (https://hl7.org/fhirpath/N1/#comparison): compared at their common precision; when that
 * part is equal but the precisions differ, the answer is unknown (undefined). Seconds and
 * milliseconds count as one precision. Values with a time are compared on the UTC timeline.
 */

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

interface Parsed {
  /** Year, month, day, hour, minute, second (with fraction), as far as given. */
  readonly parts: number[];
  readonly hasTime: boolean;
  readonly offsetMinutes: number;
}

function parse(v: string): Parsed | undefined {
  const m = DATE_TIME.exec(v);
  if (m === null) return undefined;
  const parts: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const p = m[i];
    if (p === undefined) break;
    parts.push(Number(p));
  }
  if (m[6] !== undefined) parts.push(Number(`${m[6]}.${m[7] ?? '0'}`));
  const tz = m[8];
  let offsetMinutes = 0;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  }
  return { parts, hasTime: parts.length > 3, offsetMinutes };
}

/** Components normalised to UTC (only for values with a time). */
function utcParts(p: Parsed): number[] {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = p.parts;
  const ms = Date.UTC(y, mo - 1, d, h, mi, Math.floor(s), Math.round((s % 1) * 1000)) - p.offsetMinutes * 60_000;
  const t = new Date(ms);
  const sec = t.getUTCSeconds() + t.getUTCMilliseconds() / 1000;
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), sec].slice(0, p.parts.length);
}

/** -1, 0 or 1; undefined when FHIRPath's answer would be empty (or a value is not a date). */
export function compareDateTimes(a: string, b: string): number | undefined {
  const pa = parse(a);
  const pb = parse(b);
  if (pa === undefined || pb === undefined) return undefined;
  const both = pa.hasTime && pb.hasTime;
  const xa = both ? utcParts(pa) : pa.parts;
  const xb = both ? utcParts(pb) : pb.parts;
  const n = Math.min(xa.length, xb.length);
  for (let i = 0; i < n; i++) {
    const d = (xa[i] ?? 0) - (xb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return xa.length === xb.length ? 0 : undefined;
}
