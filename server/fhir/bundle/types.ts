import type { FhirError } from '../../errors/fhir-error.js';
import type { StoredVersion } from '../../store/types.js';
import type { JsonObject } from '../model/json-object.js';
import type { Deleted, WriteHook, Written } from '../repository/types.js';
import type { TypeConfinement } from '../search/confinement.js';

/** `Prefer: return=` of the request, applied to every entry (https://hl7.org/fhir/R4/http.html#ops). */
export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** What became of one entry. */
export type EntryOutcome =
  /** POST that created, PUT (201 / 200), PATCH (200). */
  | { readonly kind: 'written'; readonly written: Written }
  /** Conditional create that matched an existing resource (200, nothing written). */
  | { readonly kind: 'existing'; readonly stored: StoredVersion }
  /** DELETE; `id` is undefined when conditional criteria matched nothing. */
  | { readonly kind: 'deleted'; readonly resourceType: string; readonly id: string | undefined; readonly deleted: Deleted }
  /** GET / HEAD; `notModified`: the entry's ifNoneMatch / ifModifiedSince say the client has it (304). */
  | { readonly kind: 'read'; readonly stored: StoredVersion; readonly head: boolean; readonly notModified: boolean }
  /** GET [type]?[criteria]: the searchset Bundle (or the `_explain` OperationOutcome) as JSON text. */
  | { readonly kind: 'searched'; readonly json: string }
  /** A batch entry that failed on its own (transactions fail as a whole instead). */
  | { readonly kind: 'failed'; readonly error: FhirError };

export type BundleKind = 'batch' | 'transaction';

/**
 * Per-request access control of Bundle entries (the auth guard's RequestAccess,
 * server/auth/access.ts, fits it): each entry is authorized from its method and URL
 * before it runs, and every write goes through the hook inside its transaction.
 */
export interface EntryAccess {
  readonly writeHook: WriteHook | undefined;
  /** Throws a 403 FhirError when the entry may not run. */
  authorizeEntry(method: string, url: string): void;
  /** What the caller may see of a type: search entries are confined in SQL with it (issue #6). */
  searchConstraint?(resourceType: string): TypeConfinement;
  /** Whether the caller may see this stored resource (entries answered without it: HEAD, 304). */
  disclose?(resource: JsonObject): boolean;
}

/**
 * The entries one database transaction of a Bundle writes, by entry index: all of a
 * transaction Bundle's (undefined for its reads and searches, which run after the
 * commit), or those of one write transaction of a batch Bundle that succeeded.
 */
export type Committed = ReadonlyMap<number, EntryOutcome | undefined>;

/**
 * Runs inside each database transaction that writes a Bundle's entries, after those
 * writes and before the commit (one for a transaction Bundle, one per group or lone
 * entry for a batch): `enqueue` adds outbox rows that commit exactly when those writes
 * do (the `$import` worker records there which entries it loaded).
 */
export type BeforeCommit = (committed: Committed, enqueue: (topic: string, payloads: readonly unknown[]) => Promise<void>) => Promise<void>;

/** The processed Bundle: one outcome per request entry, in request order. */
export interface BundleResult {
  readonly kind: BundleKind;
  readonly outcomes: readonly EntryOutcome[];
  /** The resource type of each entry (for the importer's per-type tallies). */
  readonly entryTypes: readonly string[];
}
