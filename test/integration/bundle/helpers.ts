import { randomUUID } from 'node:crypto';
import { fhirRequest, type FhirResponse } from '../../helpers/http.js';
import type { Pool } from '../../../server/store/db.js';

export interface ResponseEntry {
  resource?: Record<string, unknown> & { id: string; resourceType: string };
  response: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: { issue: { code: string; diagnostics: string }[] } };
}

export type Entry = Record<string, unknown>;

export function bundle(type: 'batch' | 'transaction', entry: Entry[]): Record<string, unknown> {
  return { resourceType: 'Bundle', type, entry };
}

export function postBundle(base: string, body: unknown, headers: Record<string, string> = {}): Promise<FhirResponse> {
  return fhirRequest(base, { method: 'POST', body, headers });
}

export function responseEntries(r: FhirResponse): ResponseEntry[] {
  return (r.body?.['entry'] ?? []) as ResponseEntry[];
}

/** `Patient/abc/_history/1` → `Patient/abc`. */
export function idOf(e: ResponseEntry | undefined): string {
  const location = e?.response.location ?? '';
  return location.split('/_history/')[0] ?? '';
}

export const uuid = (): string => `urn:uuid:${randomUUID()}`;

/** Every version ever written: a rolled-back Bundle must leave this unchanged. */
export async function historyRows(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_history');
  return r.rows[0]?.n ?? -1;
}

/** Current, non-deleted resources of a type carrying identifier system|value. */
export async function countByIdentifier(pool: Pool, type: string, system: string, value: string): Promise<number> {
  const r = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM resource WHERE resource_type = $1 AND NOT deleted AND content -> 'identifier' @> $2::jsonb",
    [type, JSON.stringify([{ system, value }])],
  );
  return r.rows[0]?.n ?? -1;
}

export const post = (resource: Record<string, unknown>, fullUrl?: string, ifNoneExist?: string): Entry => ({
  ...(fullUrl === undefined ? {} : { fullUrl }),
  resource,
  request: { method: 'POST', url: String(resource['resourceType']), ...(ifNoneExist === undefined ? {} : { ifNoneExist }) },
});

export const patient = (system: string, value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Patient',
  identifier: [{ system, value }],
  name: [{ family: 'Bundle', given: [value] }],
  ...extra,
});

export const observation = (subject: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: subject },
  ...extra,
});
