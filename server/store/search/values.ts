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

/**
 * Longest texts index rows keep, per column kind. A B-tree entry must stay under
 * PostgreSQL's ~2.7 kB limit even for 4-byte characters, or the write fails;
 * searches clip their values the same way, so a long value still matches.
 */
export const CLIP = { code: 400, system: 200, reference: 600, uri: 600, slot: 150 } as const;

export function clip<T extends string | null>(s: T, max: number): T {
  return (s !== null && s.length > max ? s.slice(0, max) : s) as T;
}
