import { FhirError, invalid } from '../../errors/fhir-error.js';
import { isJsonObject } from '../model/json-object.js';
import type { Repository } from '../repository/repository.js';
import type { SearchService } from '../search/search-service.js';
import { runBatch } from './batch.js';
import { namedEntryError } from './entry-error.js';
import { parseEntry, type EntryRequest } from './entry-request.js';
import { Limiter } from './limiter.js';
import { LinkWalker } from './link-walker.js';
import { runTransaction, type BundleDeps } from './transaction.js';
import type { BeforeCommit, BundleKind, BundleResult, EntryAccess } from './types.js';

export interface BundleProcessorOptions {
  readonly repository: Repository;
  /** Public FHIR base without trailing slash: absolute request URLs must start with it. */
  readonly serverBase: string;
  /** Most entries in one Bundle (BUNDLE_MAX_ENTRIES). */
  readonly maxEntries: number;
  /** The search engine, for GET [type]?[criteria] entries (absent: they are refused). */
  readonly search?: SearchService;
  /** Bundles read and processed at once (BUNDLE_MAX_CONCURRENT); more wait their turn. */
  readonly maxConcurrent?: number;
  /** Their total declared size at once (BUNDLE_MAX_BYTES_IN_FLIGHT); more wait their turn. */
  readonly maxBytesInFlight?: number;
}

function bundleKind(body: unknown): { kind: BundleKind; entries: readonly unknown[] } {
  if (!isJsonObject(body) || body['resourceType'] !== 'Bundle') {
    throw invalid('POST to the FHIR base takes a Bundle of type batch or transaction (http.html#transaction)', ['Bundle']);
  }
  const kind = body['type'];
  if (kind !== 'batch' && kind !== 'transaction') {
    throw invalid(`Bundle.type must be batch or transaction here, not ${kind === undefined ? 'missing' : JSON.stringify(kind)}`, ['Bundle.type']);
  }
  const entries = body['entry'];
  if (entries !== undefined && !Array.isArray(entries)) throw invalid('Bundle.entry must be an array', ['Bundle.entry']);
  return { kind, entries: entries ?? [] };
}

/**
 * Batch and transaction Bundles (https://hl7.org/fhir/R4/http.html#transaction), free of
 * HTTP: the REST route and the bulk importer both come through here, so a loaded file
 * is processed exactly as if it had been posted.
 */
export class BundleProcessor {
  private readonly deps: BundleDeps;
  private readonly limiter: Limiter;

  constructor(private readonly options: BundleProcessorOptions) {
    this.limiter = new Limiter(options.maxConcurrent ?? Number.POSITIVE_INFINITY, options.maxBytesInFlight);
    this.deps = { repository: options.repository, search: options.search, walker: LinkWalker.fromR4Definitions(), serverBase: options.serverBase };
  }

  /**
   * Runs `task` (reading, parsing and processing one Bundle of `bytes` declared size)
   * when fewer than BUNDLE_MAX_CONCURRENT others are running and their sizes leave
   * room within BUNDLE_MAX_BYTES_IN_FLIGHT, so memory stays bounded however many
   * clients post large Bundles at once.
   */
  limited<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    return this.limiter.run(task, bytes);
  }

  /**
   * Processes a parsed Bundle. A transaction either succeeds as a whole or throws the
   * failing entry's FhirError, named (`Bundle.entry[3]`); a batch never throws for an
   * entry, each carries its own outcome. `access` authorizes each entry and watches
   * every write (the auth guard's; none for the operator's importer); `beforeCommit`
   * runs inside each database transaction that writes entries, after its writes.
   */
  async process(body: unknown, access?: EntryAccess, beforeCommit?: BeforeCommit): Promise<BundleResult> {
    const { kind, entries } = bundleKind(body);
    if (entries.length > this.options.maxEntries) {
      throw new FhirError('tooLarge', `The Bundle has ${entries.length} entries; at most ${this.options.maxEntries} are accepted (BUNDLE_MAX_ENTRIES)`, {
        expression: ['Bundle.entry'],
      });
    }
    const parsed = entries.map((raw, i): EntryRequest | FhirError => {
      try {
        return parseEntry(raw, i, this.options.serverBase);
      } catch (err) {
        if (!(err instanceof FhirError)) throw err;
        return kind === 'transaction' ? (namedEntryError(err, i, 'entry') as FhirError) : err;
      }
    });
    const entryTypes = parsed.map((e, i) => (e instanceof Error ? typeOf(entries[i]) : e.resourceType));
    if (kind === 'batch') return { kind, outcomes: await runBatch(this.deps, parsed, access, beforeCommit), entryTypes };
    const bad = parsed.find((e): e is FhirError => e instanceof Error);
    if (bad !== undefined) throw bad;
    const ok = parsed as EntryRequest[];
    checkUniqueFullUrls(ok);
    return { kind, outcomes: await runTransaction(this.deps, ok, access, beforeCommit), entryTypes };
  }
}

/** Two entries with one full URL would make links to it ambiguous (bundle.html#bundle-unique). */
function checkUniqueFullUrls(entries: readonly EntryRequest[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (e.fullUrl === undefined) continue;
    const first = seen.get(e.fullUrl);
    if (first !== undefined) {
      throw namedEntryError(invalid(`Bundle.entry[${first}] has the same fullUrl (${e.fullUrl}): each entry must have its own`), e.index, e.label);
    }
    seen.set(e.fullUrl, e.index);
  }
}

function typeOf(raw: unknown): string {
  const resource = isJsonObject(raw) ? raw['resource'] : undefined;
  return isJsonObject(resource) && typeof resource['resourceType'] === 'string' ? resource['resourceType'] : 'unknown';
}
