import type { FhirError } from '../../errors/fhir-error.js';
import { newId } from '../model/ids.js';
import { BundleLinks } from './bundle-links.js';
import { asFhirError } from './entry-error.js';
import { executeWrite } from './entry-executor.js';
import { PHASES, phaseEntries } from './entry-order.js';
import type { EntryRequest } from './entry-request.js';
import { readEntry } from './read-entry.js';
import type { BundleDeps } from './transaction.js';
import type { EntryAccess, EntryOutcome } from './types.js';

/** Batch entries in flight at once, per Bundle (each holds one pooled connection while it runs). */
const BATCH_PARALLELISM = 4;

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
 * its own database transaction, phase by phase in the spec's order (within a phase the
 * spec makes the order irrelevant, so entries overlap); one entry failing leaves the
 * others alone and gets its own status and OperationOutcome. Entries are independent
 * by the spec's rule, so a reference to another entry's full URL resolves only to an
 * entry already written (otherwise that entry fails with 400). Conditional references
 * are resolved too, although the spec only requires it in transactions.
 */
export async function runBatch(deps: BundleDeps, entries: readonly (EntryRequest | FhirError)[], access?: EntryAccess): Promise<EntryOutcome[]> {
  const parsed = entries.filter((e): e is EntryRequest => !(e instanceof Error));
  const links = new BundleLinks(deps.serverBase, parsed.map((e) => e.fullUrl));
  const out: EntryOutcome[] = entries.map((e) =>
    e instanceof Error ? { kind: 'failed', error: e } : { kind: 'failed', error: asFhirError(new Error('not processed')) },
  );
  const run = async (e: EntryRequest): Promise<void> => {
    try {
      access?.authorizeEntry(e.method, e.url);
      const o =
        e.method === 'GET' || e.method === 'HEAD'
          ? await readEntry(deps, e, access)
          : await deps.repository.transaction((writer) => executeWrite({ writer, walker: deps.walker, links }, e, newId()), access?.writeHook);
      bindOutcome(links, e, o);
      out[e.index] = o;
    } catch (err) {
      out[e.index] = { kind: 'failed', error: asFhirError(err) };
    }
  };
  for (const phase of PHASES) {
    // Independent entries run a few at a time (each is its own transaction, so commits
    // overlap); an entry that names another entry waits until the others are done.
    const selected = phaseEntries(parsed, phase);
    const dependent = selected.filter((e) => e.resource !== undefined && deps.walker.collect(e.resource).some((l) => links.namesEntry(l.value, e.fullUrl)));
    const queue = selected.filter((e) => !dependent.includes(e));
    await Promise.all(Array.from({ length: Math.min(BATCH_PARALLELISM, queue.length) }, async () => {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) await run(e);
    }));
    for (const e of dependent) await run(e);
  }
  return out;
}
