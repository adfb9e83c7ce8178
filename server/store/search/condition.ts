/**
 * What a search asks of the store, after parsing (server/fhir/search) and
 * before SQL: a tree of conditions on one resource row. Index conditions name
 * the storage keys of their parameter (one per resource type searched).
 */
import type { ComponentMatch } from './composite.js';
import type { RangeMatch } from './date.js';
import type { NumberMatch } from './number.js';
import type { QuantityMatch } from './quantity.js';
import type { ReferenceMatch } from './reference.js';
import type { StringMatch } from './string.js';
import type { TextKind } from './text.js';
import type { TokenMatch } from './token.js';
import type { UriMatch } from './uri.js';

export type IndexTable = 'token' | 'string' | 'date' | 'number' | 'quantity' | 'reference' | 'uri' | 'composite';

/** `near` on Location.position: within `km` of (lat, long). */
export interface NearMatch {
  readonly lat: number;
  readonly long: number;
  readonly km: number;
}

/** Rows of one parameter matching any of `values` (comma = OR, search.html#combining). */
export type IndexMatch =
  | { readonly table: 'token'; readonly values: readonly TokenMatch[] }
  | { readonly table: 'string'; readonly values: readonly StringMatch[] }
  | { readonly table: 'date'; readonly values: readonly RangeMatch[] }
  | { readonly table: 'number'; readonly values: readonly NumberMatch[] }
  | { readonly table: 'quantity'; readonly values: readonly QuantityMatch[] }
  | { readonly table: 'reference'; readonly values: readonly ReferenceMatch[] }
  | { readonly table: 'uri'; readonly values: readonly UriMatch[] }
  | { readonly table: 'composite'; readonly values: readonly (readonly ComponentMatch[])[] }
  | { readonly table: 'near'; readonly values: readonly NearMatch[] };

export type Condition =
  /** The resource has a row of parameter `keys` matching. `targetTypes` restricts reference rows. */
  | {
      readonly kind: 'index';
      readonly keys: readonly number[];
      readonly match: IndexMatch;
      readonly targetTypes?: readonly string[];
    }
  /** `:missing`: the resource has (missing false) or has no (missing true) row of the parameter. */
  | {
      readonly kind: 'missing';
      readonly table: IndexTable;
      readonly keys: readonly number[];
      readonly missing: boolean;
      readonly targetTypes?: readonly string[];
    }
  | { readonly kind: 'id'; readonly ids: readonly string[] }
  | { readonly kind: 'lastUpdated'; readonly values: readonly RangeMatch[] }
  | { readonly kind: 'text'; readonly textKind: TextKind; readonly queries: readonly string[] }
  /** Chaining: a reference of `keys` to a live resource of `targetTypes` that meets `inner`. */
  | {
      readonly kind: 'chain';
      readonly keys: readonly number[];
      readonly targetTypes: readonly string[];
      readonly inner: readonly Condition[];
    }
  /** `_has`: some `sourceTypes` resource meeting `inner` refers to this one through `keys`. */
  | {
      readonly kind: 'has';
      readonly sourceTypes: readonly string[];
      readonly keys: readonly number[];
      readonly inner: readonly Condition[];
      /** The referring parameter's `resolve() is T` restriction, if any. */
      readonly targetTypes?: readonly string[];
    }
  /** `_list`: the resource is an item of one of these List resources (List.entry.item, key `itemKey`). */
  | { readonly kind: 'list'; readonly listIds: readonly string[]; readonly itemKey: number }
  | { readonly kind: 'not'; readonly inner: Condition }
  | { readonly kind: 'or'; readonly alternatives: readonly Condition[] }
  /** Every one of `all` (top-level conditions are AND-ed anyway; this nests inside `or`). */
  | { readonly kind: 'and'; readonly all: readonly Condition[] }
  /** Matches nothing (e.g. a criterion no type searched can satisfy). */
  | { readonly kind: 'none' };
