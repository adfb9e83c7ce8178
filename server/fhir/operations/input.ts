import type { Parameters, ParametersParameter } from 'fhir/r4.js';
import { invalid } from '../../errors/fhir-error.js';
import { isJsonObject } from '../model/json-object.js';

/** Query parameters that shape the response, not operation inputs. */
const RESPONSE_PARAMETERS = new Set(['_format', '_pretty', '_summary', '_elements']);

/**
 * A GET invocation's query string as Parameters: each URL parameter becomes a
 * `valueString` part (https://hl7.org/fhir/R4/operations.html#request: only
 * primitive inputs may be given on the URL).
 */
export function parametersFromQuery(query: URLSearchParams): Parameters {
  const parameter: ParametersParameter[] = [];
  for (const [name, value] of query) {
    if (!RESPONSE_PARAMETERS.has(name)) parameter.push({ name, valueString: value });
  }
  return { resourceType: 'Parameters', parameter };
}

/** A POST body: a Parameters resource, or a resource given directly as the single input. */
export function operationInput(body: unknown): Parameters | Record<string, unknown> {
  if (!isJsonObject(body) || typeof body['resourceType'] !== 'string') {
    throw invalid('An operation body must be a FHIR resource (usually Parameters)');
  }
  return body;
}

/** The parameters named `name` (none if the input is not a Parameters resource). */
export function params(input: Parameters | Record<string, unknown>, name: string): ParametersParameter[] {
  if (input['resourceType'] !== 'Parameters') return [];
  const list = (input as Parameters).parameter ?? [];
  return list.filter((p) => p.name === name);
}

/** A single primitive input as text: valueString, valueCode, valueUri, valueCanonical, valueBoolean... */
export function primitiveParam(input: Parameters | Record<string, unknown>, name: string): string | undefined {
  const p = params(input, name)[0];
  if (p === undefined) return undefined;
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('value') && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return String(v);
  }
  return undefined;
}
