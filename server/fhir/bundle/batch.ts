import type { FhirError } from '../../errors/fhir-error.js';
import { newId } from '../model/ids.js';
import { BundleLinks } from './bundle-links.js';
import { asFhirError } from './entry-error.js';
import { executeWrite } from './entry-executor.js';
import { PHASES, phaseEntries } from './entry-order.js';
import type { EntryRequest } from './entry-request.js';
import { readEntry } from './read-entry.js';
import type { BundleDeps } from './transaction.js';
import type { EntryOutcome } from './types.js';

/** Records where a successful write landed, for later entries that (non-conformantly) link to it. */
function bindOutcome(links: BundleLinks, e: EntryRequest, o: EntryOutcome): void {
  if (o.kind === 'written') {
    links.bind(e.fullUrl, { resourceType: o.written.resourceType, id: o.written.id, versionId: o.written.versionId });
  } else if (o.kind === 'existing') {
    links.bind(e.fullUrl, { resourceType: o.stored.resourceType, id: o.stored.id, versionId: o.stored.versionId });
  }
}

/**
 * A batch Bundle (https://hl7.org/fhir/R4/http.html#brules): each entry on its own, in
 * its own database transaction, in the spec's order; one entry failing leaves the
 * others alone and gets its own status and OperationOutcome. Entries are independent
 * by the spec's rule, so a reference to another entry's full URL resolves only to an
 * entry already written (otherwise that entry fails with 400). Conditional references
 * are resolved too, although the spec only requires it in transactions.
 */
export async function runBatch(deps: BundleDeps, entries: readonly (EntryRequest | FhirError)[]): Promise<EntryOutcome[]> {
  const parsed = entries.filter((e): e is EntryRequest => !(e instanceof Error));
  const links = new BundleLinks(deps.serverBase, parsed.map((e) => e.fullUrl));
  const out: EntryOutcome[] = entries.map((e) =>
    e instanceof Error ? { kind: 'failed', error: e } : { kind: 'failed', error: asFhirError(new Error('not processed')) },
  );
  for (const phase of PHASES) {
    for (const e of phaseEntries(parsed, phase)) {
      try {
        const o =
          e.method === 'GET' || e.method === 'HEAD'
            ? await readEntry(deps.repository, e)
            : await deps.repository.transaction((writer) => executeWrite({ writer, walker: deps.walker, links }, e, newId()));
        bindOutcome(links, e, o);
        out[e.index] = o;
      } catch (err) {
        out[e.index] = { kind: 'failed', error: asFhirError(err) };
      }
    }
  }
  return out;
}
