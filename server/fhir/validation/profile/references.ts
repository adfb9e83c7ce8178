import { isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import { isResourceType } from '../../model/resource-types.js';

/**
 * The resource type a Reference points to, as far as the instance tells
 * (https://hl7.org/fhir/R4/references.html#Reference): `Reference.type`, a relative or
 * absolute literal reference (`Patient/1`, `https://x/fhir/Patient/1/_history/2`), a
 * contained resource (`#id`), or a Bundle entry's fullUrl (`urn:uuid:...`).
 * Undefined when it cannot tell (logical references, unknown URNs).
 */

export interface ReferenceScope {
  /** id → resourceType of the resource's contained resources. */
  readonly contained: ReadonlyMap<string, string>;
  /** fullUrl → resourceType of the enclosing Bundle's entries. */
  readonly bundle: ReadonlyMap<string, string> | undefined;
}

const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function referencedType(ref: JsonObject, scope: ReferenceScope): string | undefined {
  const declared = stringProp(ref, 'type');
  if (declared !== undefined && isResourceType(declared)) return declared;
  const reference = stringProp(ref, 'reference');
  if (reference === undefined) return undefined;
  if (reference.startsWith('#')) return scope.contained.get(reference.slice(1));
  const fromBundle = scope.bundle?.get(reference);
  if (fromBundle !== undefined) return fromBundle;
  const m = LITERAL.exec(reference.split('?')[0] ?? reference);
  const type = m?.[1];
  return type !== undefined && isResourceType(type) ? type : undefined;
}

/** id → resourceType of the contained resources. */
export function containedTypes(resource: JsonObject): Map<string, string> {
  const out = new Map<string, string>();
  const contained = resource['contained'];
  if (!Array.isArray(contained)) return out;
  for (const c of contained) {
    if (isJsonObject(c) && typeof c['id'] === 'string' && typeof c['resourceType'] === 'string') out.set(c['id'], c['resourceType']);
  }
  return out;
}

/** fullUrl → resourceType of a Bundle's entries (also `Type/id` for entries with a server-style fullUrl). */
export function bundleTypes(bundle: JsonObject): Map<string, string> {
  const out = new Map<string, string>();
  const entries = bundle['entry'];
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!isJsonObject(e)) continue;
    const r = e['resource'];
    const fullUrl = stringProp(e, 'fullUrl');
    if (fullUrl !== undefined && isJsonObject(r) && typeof r['resourceType'] === 'string') out.set(fullUrl, r['resourceType']);
  }
  return out;
}
