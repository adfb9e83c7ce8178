/** What the store knows of one stored version. */
export interface VersionInfo {
  readonly versionId: number;
  readonly lastUpdated: Date;
}

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One stored version as read back: `json` is the resource text, resourceType first; null when deleted. */
export interface StoredVersion extends VersionInfo {
  readonly resourceType: string;
  readonly id: string;
  readonly deleted: boolean;
  readonly method: WriteMethod;
  readonly json: string | null;
}

/** The current row of a resource, locked for update inside a transaction. */
export interface CurrentState {
  readonly versionId: number;
  readonly deleted: boolean;
}

/** A history query (https://hl7.org/fhir/R4/http.html#history). */
export interface HistoryQuery {
  readonly resourceType?: string;
  readonly id?: string;
  /** `_since`: versions created at or after. */
  readonly since?: Date;
  /** `_at`: versions current at some point in [start, end). */
  readonly at?: { readonly start: Date; readonly end: Date };
  /** Keyset cursor: only versions strictly older than this one. */
  readonly before?: HistoryCursor;
  readonly count: number;
}
export interface HistoryCursor {
  readonly lastUpdated: Date;
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
}
