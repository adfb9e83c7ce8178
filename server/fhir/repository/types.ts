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
}

/** Turns the current resource into its patched form; throws FhirError on a bad patch. */
export type PatchFn = (current: Readonly<Record<string, unknown>>) => Record<string, unknown>;
