import type { Issue } from '../../../errors/issue.js';
import type { JsonObject } from '../../model/json-object.js';

/**
 * One resource to validate, as the write path already holds it: its type and its
 * stored text (contentForStorage: the JSON without resourceType). Sending the text
 * costs the request thread a copy, where a structured clone of the object would cost
 * it a second serialisation.
 */
export interface ThreadItem {
  readonly resourceType: string;
  readonly content: string;
}

/** What a validation thread is started with (workerData). */
export interface ThreadData {
  /** The module to run after the TypeScript loader is registered (bootstrap.mjs). */
  readonly entry: string;
  readonly unknownProfile: 'warning' | 'error';
  readonly requiredProfiles: readonly (readonly [string, readonly string[]])[];
}

/** Request thread → validation thread. Messages are handled in the order sent. */
export type ToThread =
  /** The conformance resources written to the database (ConformanceCache reloads them). */
  | { readonly kind: 'runtime'; readonly resources: readonly JsonObject[] }
  | { readonly kind: 'validate'; readonly id: number; readonly items: readonly ThreadItem[] };

/** Validation thread → request thread. */
export type FromThread =
  | { readonly kind: 'ready' }
  | { readonly kind: 'validated'; readonly id: number; readonly issues: readonly (readonly Issue[])[] };

/**
 * The resource a ThreadItem stands for, as prepareForWrite hands it to the validator:
 * resourceType first, and no meta when it is empty (an empty object is not valid
 * FHIR JSON).
 */
export function itemResource(item: ThreadItem): JsonObject {
  const body = JSON.parse(item.content) as JsonObject;
  const resource: JsonObject = { resourceType: item.resourceType, ...body };
  const meta = resource['meta'];
  if (typeof meta === 'object' && meta !== null && Object.keys(meta).length === 0) delete resource['meta'];
  return resource;
}
