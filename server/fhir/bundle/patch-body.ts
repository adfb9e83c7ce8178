import { invalid } from '../../errors/fhir-error.js';
import type { JsonObject } from '../model/json-object.js';
import { applyFhirPathPatch } from '../patch/fhirpath-patch.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import type { PatchFn } from '../repository/types.js';

const JSON_PATCH = 'application/json-patch+json';

/**
 * The patch a PATCH entry carries (https://hl7.org/fhir/R4/http.html#patch, "in a
 * transaction"): a Binary holding a JSON Patch document (base64 `data`), or a
 * Parameters resource holding a FHIRPath Patch.
 */
export function patchFromEntry(resource: JsonObject): PatchFn {
  if (resource['resourceType'] === 'Parameters') return (r) => applyFhirPathPatch(r, resource);
  if (resource['resourceType'] === 'Binary') {
    const contentType = typeof resource['contentType'] === 'string' ? resource['contentType'].split(';')[0]?.trim() : undefined;
    if (contentType !== JSON_PATCH) throw invalid(`A Binary patch must have contentType ${JSON_PATCH}`);
    const data = resource['data'];
    if (typeof data !== 'string') throw invalid('A Binary patch needs its JSON Patch document in data (base64)');
    let operations: unknown;
    try {
      operations = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    } catch {
      throw invalid('The Binary patch data is not a base64-encoded JSON document');
    }
    return (r) => applyJsonPatch(r, operations);
  }
  throw invalid('A PATCH entry carries a Binary (JSON Patch) or a Parameters resource (FHIRPath Patch)');
}
