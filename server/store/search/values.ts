/** Narrowing helpers for FHIR JSON values read during index extraction. */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** Each string of `v[key]`, whether it is one string or an array of them. */
export function strings(v: Record<string, unknown>, key: string): string[] {
  const x = v[key];
  if (typeof x === 'string') return x === '' ? [] : [x];
  if (Array.isArray(x)) return x.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}
