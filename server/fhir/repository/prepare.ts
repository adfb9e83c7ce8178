import { invalid, unprocessable } from '../../errors/fhir-error.js';
import type { Validator } from '../validation/index.js';
import type { ResourceJson } from './types.js';

/** Elements of meta that only the server writes. */
const SERVER_META = new Set(['versionId', 'lastUpdated', '_versionId', '_lastUpdated']);

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Makes a request body ready to store: it must be a resource of the URL's type;
 * the server owns `id` and `meta.versionId` / `meta.lastUpdated`
 * (https://hl7.org/fhir/R4/http.html#create), every other meta element (profiles,
 * tags, security labels, source) is kept. Then it must pass validation (422).
 */
export function prepareForWrite(
  validator: Validator,
  resourceType: string,
  body: unknown,
  id: string,
): ResourceJson {
  if (!isJsonObject(body)) throw invalid('The request body must be a JSON object (a FHIR resource)');
  if (body['resourceType'] !== resourceType) {
    throw invalid(
      `The resource type in the body (${String(body['resourceType'])}) does not match the URL (${resourceType})`,
      [`${resourceType}.resourceType`],
    );
  }
  const { resourceType: _type, id: _id, meta, ...rest } = body;
  if (meta !== undefined && !isJsonObject(meta)) {
    throw unprocessable([
      { severity: 'error', code: 'structure', diagnostics: 'meta must be an object', expression: [`${resourceType}.meta`] },
    ]);
  }
  const keptMeta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (!SERVER_META.has(k)) keptMeta[k] = v;
  }
  const resource: ResourceJson = { resourceType, id, meta: keptMeta, ...rest };
  // An empty meta is not valid FHIR JSON (no empty objects), so validate without it.
  const forValidation = Object.keys(keptMeta).length === 0 ? { resourceType, id, ...rest } : resource;
  const errors = validator.validate(forValidation).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) throw unprocessable(errors);
  return resource;
}

/** The resource as returned to the client: meta stamped with the stored version. */
export function stamped(resource: ResourceJson, versionId: number, lastUpdated: Date): ResourceJson {
  const meta = isJsonObject(resource['meta']) ? resource['meta'] : {};
  return { ...resource, meta: { ...meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() } };
}
