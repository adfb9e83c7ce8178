import { FhirError, invalid } from '../errors/fhir-error.js';
import type { Parameters } from 'fhir/r4.js';
import { isJsonObject, type JsonObject } from '../fhir/model/json-object.js';
import { params, primitiveParam } from '../fhir/operations/input.js';
import { isResourceType } from '../fhir/model/resource-types.js';
import type { ImportInput } from '../store/import-job-types.js';
import { isAllowedSource, unfetchable, type AllowList } from './source-allow-list.js';

/**
 * The SMART Bulk Data Import manifest (https://github.com/smart-on-fhir/bulk-import,
 * also Pathling's `$import`): the files to fetch, each with the resource type it
 * holds. Taken as plain JSON (`{ inputFormat, inputSource, input: [{ type, url }] }`)
 * or as a FHIR Parameters resource with the same names (`input` parts `type`, `url`).
 * Pure: parsing and checks, no I/O.
 */
export interface ImportManifest {
  readonly inputFormat: string;
  readonly inputSource: string | undefined;
  readonly inputs: readonly ImportInput[];
}

/** Formats we read (https://hl7.org/fhir/R4/nd-json.html); anything else is 400. */
const FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson']);

/** Inputs accepted in one manifest: each is one chunk row at intake and one fetch. */
export const MAX_INPUTS = 1000;

/** Whether a parsed JSON body is a manifest (and not a Bundle): a Parameters resource, or an object with an `input` array. */
export function isManifest(body: unknown): body is JsonObject {
  return isJsonObject(body) && (body['resourceType'] === 'Parameters' || (body['resourceType'] === undefined && Array.isArray(body['input'])));
}

/** The Parameters form as the plain JSON form, so both are checked by the same code. */
function fromParameters(body: JsonObject): JsonObject {
  return {
    inputFormat: primitiveParam(body, 'inputFormat'),
    inputSource: primitiveParam(body, 'inputSource'),
    input: params(body, 'input').map((p) => {
      const parts: Parameters = { resourceType: 'Parameters', parameter: p.part ?? [] };
      return { type: primitiveParam(parts, 'type'), url: primitiveParam(parts, 'url') };
    }),
  };
}

function parseInput(raw: unknown, index: number): ImportInput {
  const where = `input[${String(index)}]`;
  if (!isJsonObject(raw)) throw invalid(`${where} must be an object with type and url`, [where]);
  const { type, url } = raw;
  if (typeof type !== 'string' || !isResourceType(type)) throw invalid(`${where}.type must be an R4 resource type, not ${JSON.stringify(type ?? 'missing')}`, [`${where}.type`]);
  if (typeof url !== 'string') throw invalid(`${where}.url is required`, [`${where}.url`]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`${where}.url is not an absolute URL`, [`${where}.url`]);
  }
  const why = unfetchable(parsed);
  if (why !== undefined) throw invalid(`${where}.url: ${why}`, [`${where}.url`]);
  return { index, type, url: parsed.href };
}

/**
 * Reads and checks a manifest: 400 naming what is wrong (format, a missing or bad
 * input); 413 over MAX_INPUTS. URLs are parsed and normalized here; whether they
 * may be fetched is checkSources' job.
 */
export function parseManifest(body: JsonObject): ImportManifest {
  const m = body['resourceType'] === 'Parameters' ? fromParameters(body) : body;
  const format = m['inputFormat'];
  if (typeof format !== 'string') throw invalid('The manifest has no inputFormat (application/fhir+ndjson)', ['inputFormat']);
  if (!FORMATS.has(format.split(';')[0]?.trim().toLowerCase() ?? '')) throw invalid(`inputFormat '${format}' is not supported: only application/fhir+ndjson`, ['inputFormat']);
  const source = m['inputSource'];
  if (source !== undefined && typeof source !== 'string') throw invalid('inputSource must be a URI', ['inputSource']);
  const input = m['input'];
  if (!Array.isArray(input) || input.length === 0) throw invalid('The manifest has no input (a list of { type, url })', ['input']);
  if (input.length > MAX_INPUTS) throw new FhirError('tooLarge', `The manifest has ${String(input.length)} inputs; at most ${String(MAX_INPUTS)} are accepted`);
  return { inputFormat: format, inputSource: source, inputs: input.map(parseInput) };
}

/**
 * Refuses (403) a manifest when URL imports are off (no IMPORT_ALLOWED_SOURCES) or an
 * input lies outside the allow-list. The refusal names the input and the origin only:
 * a URL's path and query may carry a signed token.
 */
export function checkSources(inputs: readonly ImportInput[], allow: AllowList): void {
  if (allow.length === 0) {
    throw new FhirError('forbidden', '$import from URLs is disabled on this server: the operator enables it by listing the allowed URL prefixes in the IMPORT_ALLOWED_SOURCES setting');
  }
  for (const input of inputs) {
    const url = new URL(input.url);
    if (!isAllowedSource(url, allow)) {
      throw new FhirError('forbidden', `input[${String(input.index)}].url (${url.origin}) is not under a prefix of IMPORT_ALLOWED_SOURCES`, { expression: [`input[${String(input.index)}].url`] });
    }
  }
}
