// The search benchmark's data (issue #3): the shared Synthea sample replicated
// `copies` times with fresh ids, identifier values suffixed per copy and every
// date shifted by `copy` days, so copies neither collide nor coincide. References
// are rewritten as the server does for transaction Bundles: urn:uuid → Type/id,
// conditional references (Organization?identifier=…) → the copy's resource.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Resource = Record<string, unknown> & { resourceType: string; id: string };

interface Entry {
  fullUrl?: string;
  resource: Resource;
}

export interface Sample {
  /** Organization, Location, Practitioner, PractitionerRole (the two information batches). */
  readonly info: readonly Entry[];
  readonly patients: readonly (readonly Entry[])[];
}

export function readSample(dir: string): Sample {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const read = (f: string): Entry[] => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { entry: Entry[] }).entry;
  const isInfo = (f: string): boolean => f.startsWith('0-') && f.includes('Information');
  return { info: files.filter(isInfo).flatMap(read), patients: files.filter((f) => !isInfo(f)).map(read) };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/;
const DAY = 86_400_000;

/** `2020-01-31T10:00:00-05:00` plus n days, same precision and offset text. */
function shiftDate(s: string, days: number): string {
  const m = DATE.exec(s);
  if (m === null) return s;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * DAY);
  return `${d.toISOString().slice(0, 10)}${m[4] ?? ''}`;
}

type Resolve = (ref: string) => string | undefined;

function rewrite(v: unknown, copy: number, resolve: Resolve, key: string): unknown {
  if (typeof v === 'string') {
    if (key === 'reference') return resolve(v) ?? v;
    return copy === 0 || key === 'id' ? v : shiftDate(v, copy);
  }
  if (Array.isArray(v)) return v.map((x) => rewrite(x, copy, resolve, key));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = rewrite(x, copy, resolve, k);
    return out;
  }
  return v;
}

/** Business identifiers get a per-copy suffix, so an identifier search finds one copy. */
function suffixIdentifiers(r: Resource, copy: number): void {
  const ids = r['identifier'];
  if (!Array.isArray(ids)) return;
  for (const i of ids as Record<string, unknown>[]) if (typeof i['value'] === 'string') i['value'] = `${i['value']}-${copy}`;
}

/** Every resource of copy `copy`, references resolved, in load order (information first). */
export function replicate(sample: Sample, copy: number): Resource[] {
  const byIdentifier = new Map<string, string>();
  const out: Resource[] = [];
  const info: Resource[] = sample.info.map((e) => ({ ...e.resource, id: randomUUID() }));
  for (const r of info) {
    for (const i of (r['identifier'] as { system?: string; value?: string }[] | undefined) ?? []) {
      byIdentifier.set(`${r.resourceType}?identifier=${i.system ?? ''}|${i.value ?? ''}`, `${r.resourceType}/${r.id}`);
    }
  }
  const resolveInfo: Resolve = (ref) => byIdentifier.get(ref);
  for (const r of info) {
    const copyR = rewrite(r, copy, resolveInfo, '') as Resource;
    suffixIdentifiers(copyR, copy);
    out.push(copyR);
  }
  for (const bundle of sample.patients) {
    const urn = new Map<string, string>();
    const fresh = bundle.map((e): Resource => {
      const id = randomUUID();
      if (e.fullUrl !== undefined) urn.set(e.fullUrl, `${e.resource.resourceType}/${id}`);
      return { ...e.resource, id };
    });
    const resolve: Resolve = (ref) => urn.get(ref) ?? byIdentifier.get(ref);
    for (const r of fresh) {
      const copyR = rewrite(r, copy, resolve, '') as Resource;
      suffixIdentifiers(copyR, copy);
      out.push(copyR);
    }
  }
  return out;
}
