import type { WriteHook } from '../fhir/repository/types.js';
import type { JsonObject } from '../fhir/model/json-object.js';
import type { Principal } from './policy/principal.js';
import type { SearchRestriction } from './scopes/smart-scope.js';

/**
 * What a FHIR request may do, as decided by the auth guard (server/auth/guard),
 * set on `ctx.state.access` for every /fhir request. Routes and services that
 * go beyond a single REST interaction use it:
 *
 * - every write: pass `writeHook` to the Repository (`repository.update(..., hook)`,
 *   `repository.transaction(fn, hook)`): it checks the replaced and the new
 *   version inside the transaction and writes the audit record there;
 * - Bundle entries: `authorizeEntry(method, url)` before running each entry
 *   (403 FhirError when not allowed); writes then go through `writeHook`;
 * - search: `searchConstraint(type)` says how to confine results in SQL, and
 *   `disclose(resource)` decides each resource (includes too) and records the
 *   patients for the audit; call `screened()` when every resource in the
 *   response went through `disclose`, so the guard does not screen it again.
 */
export interface RequestAccess {
  /** Who is asking; undefined when AUTH_MODE=none. */
  readonly principal: Principal | undefined;
  /** Inside-the-transaction access check and audit for every write; undefined when AUTH_MODE=none. */
  readonly writeHook: WriteHook | undefined;
  /** Throws a 403 FhirError unless the principal may do `permission` on `resourceType` at all. */
  authorize(permission: 'c' | 'r' | 'u' | 'd' | 's', resourceType: string): void;
  /** `authorize` for a Bundle entry, from its request method and URL. */
  authorizeEntry(method: string, url: string): void;
  /** Whether this stored resource may be returned; remembers its patients for the audit record. */
  disclose(resource: JsonObject): boolean;
  /** How search results of a type must be confined, for the search engine. */
  searchConstraint(resourceType: string): SearchConstraint;
  /** Tells the guard that every resource of the response went through `disclose`. */
  screened(): void;
}

/**
 * How a search over one resource type must be narrowed for this caller:
 * `all` (no limit), `none` (nothing may be returned), or `some`: a resource
 * qualifies when it matches at least one alternative, i.e. it is in the given
 * patient's compartment (any of `patientParams` = `Patient/{patient}`; for
 * Patient itself `_id`) and matches every restriction (`name=value` search
 * parameters from SMART v2 scopes, AND-ed).
 */
export type SearchConstraint =
  | { readonly kind: 'all' }
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'some'; readonly alternatives: readonly SearchAlternative[] };

export interface SearchAlternative {
  readonly patient?: string;
  /** Compartment parameters of the type (R4 CompartmentDefinition), OR-ed. */
  readonly patientParams: readonly string[];
  readonly restrictions: readonly SearchRestriction[];
}
