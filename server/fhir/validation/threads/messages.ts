import type { Issue } from '../../../errors/issue.js';
import { isJsonObject, type JsonObject } from '../../model/json-object.js';

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
 * resourceType first, without the version stamps the writer put into the stored text,
 * and no meta when that leaves it empty (an empty object is not valid FHIR JSON).
 */
export function itemResource(item: ThreadItem): JsonObject {
  const body = JSON.parse(item.content) as JsonObject;
  const resource: JsonObject = { resourceType: item.resourceType, ...body };
  const meta = resource['meta'];
  if (isJsonObject(meta)) {
    const { versionId: _v, lastUpdated: _t, ...kept } = meta;
    if (Object.keys(kept).length === 0) delete resource['meta'];
    else resource['meta'] = kept;
  }
  return resource;
}
