import type { StoredVersion } from '../../store/types.js';

/** A FHIR resource as plain JSON (validated structurally before any write). */
export type ResourceJson = Record<string, unknown> & { resourceType: string };

/** The outcome of a write, with the resource as stored (meta stamped). */
export interface Written {
  readonly kind: 'written';
  readonly resource: ResourceJson;
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: Date;
  /** True when the write brought the resource into existence (201), including re-creation after delete. */
  readonly created: boolean;
}

/** A conditional create that matched an existing resource (https://hl7.org/fhir/R4/http.html#ccreate). */
export interface Existing {
  readonly kind: 'existing';
  readonly stored: StoredVersion;
}

/** A delete: `versionId` of the delete marker, or undefined when nothing was deleted. */
export interface Deleted {
  readonly kind: 'deleted';
  readonly versionId: number | undefined;
  /** What was deleted (set by writes that delete something; conditional deletes learn the id here). */
  readonly resourceType?: string;
  readonly id?: string;
}

/** Turns the current resource into its patched form; throws FhirError on a bad patch. */
export type PatchFn = (current: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** A write a hook sees: the version written, or the delete marker written. */
export type WriteChange = Written | (Deleted & { readonly resourceType: string; readonly id: string; readonly versionId: number });

/** What a write hook may do inside the write's own transaction. */
export interface WriteScope {
  /** A stored version, read inside the transaction (e.g. the one a write replaced: `versionId - 1`). */
  version(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined>;
  /** Adds jobs to the transactional outbox: they exist if and only if the write commits. */
  enqueue(topic: string, payloads: readonly unknown[]): Promise<void>;
}

/**
 * Runs inside a write's transaction after each version is written, before
 * commit; throwing rolls the write back. The auth guard uses it to check the
 * replaced and the new version against the caller's access and to add the
 * audit record in the same transaction (issue #6). See TransactionWriter.useHook.
 */
export type WriteHook = (change: WriteChange, scope: WriteScope) => Promise<void>;
