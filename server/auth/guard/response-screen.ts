import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';
import type { GuardedAccess } from './guarded-access.js';

/**
 * The last line of defence on every FHIR response: each resource it carries is
 * put to `access.disclose`, and what the caller may not see is removed, so no
 * other patient's data leaves the server whatever route produced the body
 * (history, search with _include / _revinclude / chains / _has, Bundle
 * responses, operations). The search engine should still confine results in
 * SQL (paging and totals stay right); this catches whatever it does not.
 */
export interface ScreenResult {
  /** The body to send (unchanged when nothing was removed). */
  readonly body: JsonObject;
  readonly changed: boolean;
  /** Resources the caller may see / may not see. */
  readonly shown: number;
  readonly hidden: number;
}

interface Counts {
  shown: number;
  hidden: number;
}

const RESPONSE_BUNDLES = new Set(['batch-response', 'transaction-response']);

function screenBundle(bundle: JsonObject, access: GuardedAccess, confined: boolean, counts: Counts): boolean {
  const entries = bundle['entry'];
  if (!Array.isArray(entries)) return false;
  const responseBundle = RESPONSE_BUNDLES.has(String(bundle['type']));
  let changed = false;
  const kept: unknown[] = [];
  for (const e of entries) {
    if (!isJsonObject(e)) continue;
    const r = e['resource'];
    if (isJsonObject(r) && r['resourceType'] === 'Bundle') {
      // A Bundle inside a Bundle (a search or history entry's answer in a batch response):
      // screened entry by entry, as the same Bundle would be at the top level.
      if (screenBundle(r, access, confined, counts)) changed = true;
      kept.push(e);
      continue;
    }
    if (isJsonObject(r)) {
      if (r['resourceType'] === 'OperationOutcome' || access.disclose(r)) {
        if (r['resourceType'] !== 'OperationOutcome') counts.shown += 1;
        kept.push(e);
        continue;
      }
      counts.hidden += 1;
      changed = true;
      if (responseBundle) {
        // A write's outcome (it has a location) stands: the write happened, the caller just
        // may not read the result back (as with return=minimal). Reporting 403 would have a
        // loader retry a create that succeeded. A read's resource is what was refused.
        const { resource: _removed, ...rest } = e;
        const response = isJsonObject(e['response']) ? e['response'] : {};
        kept.push(typeof response['location'] === 'string' ? rest : { ...rest, response: { ...response, status: '403 Forbidden' } });
      }
      continue;
    }
    // Entries without a resource (deletions in history, minimal responses) reveal ids only;
    // a caller confined to some data sees them only in Bundles that answer its own requests.
    if (!confined || responseBundle) kept.push(e);
    else changed = true;
  }
  if (changed) bundle['entry'] = kept;
  // A total counted over everything would tell how much hidden data exists.
  if (changed || (confined && !responseBundle && 'total' in bundle)) {
    if ('total' in bundle) changed = true;
    delete bundle['total'];
  }
  return changed;
}

/**
 * Screens a response body. A single resource the caller may not see makes
 * `denied` true (the guard answers 403); Bundles lose the entries it may not
 * see. `confined`: the caller may not see everything of the types involved, so
 * Bundles also lose their `total` and their entries without a resource.
 */
export function screenBody(body: JsonObject, access: GuardedAccess, confined: boolean): ScreenResult & { readonly denied: boolean } {
  const type = body['resourceType'];
  if (type === 'OperationOutcome' || type === 'Parameters') return { body, changed: false, denied: false, shown: 0, hidden: 0 };
  if (type === 'Bundle') {
    const counts: Counts = { shown: 0, hidden: 0 };
    const changed = screenBundle(body, access, confined, counts);
    return { body, changed, denied: false, ...counts };
  }
  const denied = !access.disclose(body);
  return { body, changed: false, denied, shown: denied ? 0 : 1, hidden: denied ? 1 : 0 };
}
