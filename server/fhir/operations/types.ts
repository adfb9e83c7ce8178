import type { OperationDefinition, Parameters } from 'fhir/r4.js';
import type { Repository } from '../repository/repository.js';
import type { Reindexer } from '../search/reindex.js';
import type { Conformance } from '../validation/conformance.js';
import type { Validator } from '../validation/index.js';

export type OperationLevel = 'system' | 'type' | 'instance';

/** What an operation is invoked with (https://hl7.org/fhir/R4/operations.html#request). */
export interface OperationRequest {
  readonly level: OperationLevel;
  readonly method: 'GET' | 'POST';
  readonly resourceType?: string;
  readonly id?: string;
  /**
   * The input: a Parameters resource (from a POST body, or built from the query
   * string of a GET), or — for operations with a single resource input — the
   * resource POSTed directly.
   */
  readonly input: Parameters | Record<string, unknown>;
  /** The raw query string, for operations that also read URL parameters. */
  readonly query: URLSearchParams;
}

/** What an operation returns: a resource (Parameters, OperationOutcome, Bundle, ...) and its status. */
export interface OperationResult {
  readonly status: number;
  readonly resource: Record<string, unknown>;
}

/**
 * Services operations may use. Extend this interface (one line per service) when
 * an operation needs something new; app.ts fills it.
 */
export interface OperationDeps {
  readonly repository: Repository;
  readonly validator: Validator;
  readonly baseUrl: string;
  /** `$reindex` of search index rows (issue #3). */
  readonly reindexer: Reindexer;
  /** Profiles, full validation and terminology ($validate, $expand, $lookup...). */
  readonly conformance: Conformance;
}

/** One `$operation`: its OperationDefinition and its handler (fhir/operations/README in DESIGN.md). */
export interface FhirOperation {
  /** Code without the `$`. */
  readonly code: string;
  readonly definition: OperationDefinition;
  /** Resource types it applies to at type / instance level; '*' for all. */
  readonly resourceTypes: readonly string[] | '*';
  readonly levels: readonly OperationLevel[];
  /** False for operations that change state: those accept POST only. */
  readonly idempotent: boolean;
  handle(request: OperationRequest, deps: OperationDeps): Promise<OperationResult>;
}
