import { fhirRequest, type FhirResponse } from '../../helpers/http.js';
import type { Pool } from '../../../server/store/db.js';

/** POST [base]/$import with `Prefer: respond-async` and the given body and Content-Type. */
export function submitImport(base: string, raw: string, contentType: string, headers: Record<string, string> = {}): Promise<FhirResponse> {
  return fhirRequest(`${base}/$import`, { method: 'POST', raw, headers: { 'content-type': contentType, prefer: 'respond-async', ...headers } });
}

export const ndjson = (lines: readonly unknown[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

/** The status URL a 202 kick-off answer names. */
export function statusUrl(r: FhirResponse): string {
  const url = r.headers.get('content-location');
  if (url === null) throw new Error(`no Content-Location (status ${String(r.status)}: ${r.text})`);
  return url;
}

/** A top-level parameter's value (valueX) by name. */
export function param(body: Record<string, unknown> | undefined, name: string): unknown {
  const params = (body?.['parameter'] ?? []) as Record<string, unknown>[];
  const p = params.find((x) => x['name'] === name);
  return p === undefined ? undefined : Object.entries(p).find(([k]) => k.startsWith('value'))?.[1];
}

export interface SummaryFailure {
  readonly url?: string;
  readonly line?: number;
  readonly entry?: number;
  readonly diagnostics: string;
  readonly code: string;
}

/** The `failure` parts of a summary, flattened. */
export function failures(body: Record<string, unknown> | undefined): SummaryFailure[] {
  const params = (body?.['parameter'] ?? []) as { name: string; part?: Record<string, unknown>[] }[];
  return params
    .filter((p) => p.name === 'failure')
    .map((p) => {
      const part = (n: string): Record<string, unknown> | undefined => p.part?.find((x) => x['name'] === n);
      const outcome = part('outcome')?.['resource'] as { issue: { diagnostics: string; code: string }[] };
      const line = part('line')?.['valueInteger'] as number | undefined;
      const entry = part('entry')?.['valueInteger'] as number | undefined;
      const url = part('url')?.['valueUrl'] as string | undefined;
      return { ...(url === undefined ? {} : { url }), ...(line === undefined ? {} : { line }), ...(entry === undefined ? {} : { entry }), diagnostics: outcome.issue[0]?.diagnostics ?? '', code: outcome.issue[0]?.code ?? '' };
    });
}

/** loaded / skipped / failed of one resource type in a summary. */
export function typeCounts(body: Record<string, unknown> | undefined, type: string): { loaded: number; skipped: number; failed: number } | undefined {
  const params = (body?.['parameter'] ?? []) as { name: string; part?: Record<string, unknown>[] }[];
  const p = params.find((x) => x.name === 'type' && x.part?.some((y) => y['valueCode'] === type));
  if (p === undefined) return undefined;
  const n = (name: string): number => (p.part?.find((x) => x['name'] === name)?.['valueInteger'] as number | undefined) ?? -1;
  return { loaded: n('loaded'), skipped: n('skipped'), failed: n('failed') };
}

export async function importJobCount(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: number }>('SELECT (SELECT count(*) FROM import_job) + (SELECT count(*) FROM import_job_chunk) AS n');
  return r.rows[0]?.n ?? -1;
}
