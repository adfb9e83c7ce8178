import { expect } from 'chai';
import { fhirRequest, type FhirResponse } from '../../helpers/http.js';

export interface Entry {
  fullUrl?: string;
  resource: Record<string, unknown> & { resourceType: string; id: string };
  search: { mode: string };
}

/** Creates a resource and returns its id. */
export async function create(base: string, resource: Record<string, unknown>): Promise<string> {
  const r = await fhirRequest(`${base}/${String(resource['resourceType'])}`, { method: 'POST', body: resource });
  expect(r.status, r.text).to.equal(201);
  return String(r.body?.['id']);
}

export async function search(base: string, query: string, headers: Record<string, string> = {}): Promise<FhirResponse> {
  return fhirRequest(`${base}/${query}`, { headers });
}

export function entries(r: FhirResponse): Entry[] {
  return (r.body?.['entry'] as Entry[] | undefined) ?? [];
}

/** Ids of the `match` entries, in order. */
export function matchIds(r: FhirResponse): string[] {
  expect(r.status, r.text).to.equal(200);
  return entries(r)
    .filter((e) => e.search.mode === 'match')
    .map((e) => e.resource.id);
}

/** Ids of the matches, sorted (for set comparisons). */
export async function ids(base: string, query: string): Promise<string[]> {
  return matchIds(await search(base, query)).sort();
}

export function link(r: FhirResponse, relation: string): string | undefined {
  const links = (r.body?.['link'] as { relation: string; url: string }[] | undefined) ?? [];
  return links.find((l) => l.relation === relation)?.url;
}

export const sorted = (xs: readonly string[]): string[] => [...xs].sort();
