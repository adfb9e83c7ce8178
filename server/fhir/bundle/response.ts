import { STATUS_CODES } from 'node:http';
import type { OperationOutcome } from 'fhir/r4.js';
import type { FhirError } from '../../errors/fhir-error.js';
import { informationOutcome, toOperationOutcome } from '../../errors/outcome.js';
import { newId } from '../model/ids.js';
import type { BundleResult, EntryOutcome, ReturnPreference } from './types.js';

/** Bundle.entry.response (https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.response). */
interface EntryResponse {
  status: string;
  location?: string;
  etag?: string;
  lastModified?: string;
  outcome?: OperationOutcome;
}

const statusLine = (code: number): string => `${code} ${STATUS_CODES[code] ?? ''}`.trim();
const etag = (v: number): string => `W/"${v}"`;
const location = (type: string, id: string, v: number): string => `${type}/${id}/_history/${v}`;

/** A failed entry's status and OperationOutcome (also what a failed transaction returns, as a whole). */
export function failureResponse(error: FhirError): EntryResponse {
  const issues = error.expose ? error.issues : [{ severity: 'error' as const, code: 'exception' as const, diagnostics: error.message }];
  return { status: statusLine(error.status), outcome: toOperationOutcome(issues) };
}

/** One response entry as JSON text; stored resource text is spliced in without re-parsing. */
function entryJson(o: EntryOutcome, prefer: ReturnPreference): string {
  let response: EntryResponse;
  let resource: (() => string | undefined) | undefined;
  let message: string | undefined;
  switch (o.kind) {
    case 'written': {
      const w = o.written;
      response = {
        status: statusLine(w.created ? 201 : 200),
        location: location(w.resourceType, w.id, w.versionId),
        etag: etag(w.versionId),
        lastModified: w.lastUpdated.toISOString(),
      };
      resource = () => JSON.stringify(w.resource);
      message = `${w.created ? 'Created' : 'Updated'} ${w.resourceType}/${w.id} version ${w.versionId}`;
      break;
    }
    case 'existing': {
      const s = o.stored;
      response = { status: statusLine(200), location: location(s.resourceType, s.id, s.versionId), etag: etag(s.versionId), lastModified: s.lastUpdated.toISOString() };
      resource = () => s.json ?? undefined;
      message = `${s.resourceType}/${s.id} already exists; nothing was created`;
      break;
    }
    case 'deleted': {
      const v = o.deleted.versionId;
      response = { status: statusLine(prefer === 'OperationOutcome' ? 200 : 204), ...(v === undefined ? {} : { etag: etag(v) }) };
      message = v === undefined ? `${o.resourceType}: nothing to delete` : `${o.resourceType}/${o.id ?? ''}: deleted (version ${v})`;
      break;
    }
    case 'read': {
      const s = o.stored;
      response = { status: statusLine(o.notModified ? 304 : 200), etag: etag(s.versionId), lastModified: s.lastUpdated.toISOString() };
      // A read returns its resource whatever the return preference (it governs writes).
      return o.head || o.notModified || s.json === null ? JSON.stringify({ response }) : `{"resource":${s.json},"response":${JSON.stringify(response)}}`;
    }
    case 'searched':
      return `{"resource":${o.json},"response":${JSON.stringify({ status: statusLine(200) })}}`;
    case 'failed':
      return JSON.stringify({ response: failureResponse(o.error) });
  }
  if (prefer === 'OperationOutcome') response.outcome = informationOutcome(message);
  const text = prefer === 'representation' ? resource?.() : undefined;
  if (text === undefined) return JSON.stringify({ response });
  return `{"resource":${text},"response":${JSON.stringify(response)}}`;
}

/**
 * The batch-response / transaction-response Bundle (https://hl7.org/fhir/R4/http.html#transaction-response),
 * entries in request order, as JSON text.
 */
export function responseBundleJson(result: BundleResult, prefer: ReturnPreference, now: Date = new Date()): string {
  const head = JSON.stringify({ resourceType: 'Bundle', id: newId(), type: `${result.kind}-response`, timestamp: now.toISOString() });
  const entries = result.outcomes.map((o) => entryJson(o, prefer));
  return `${head.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
