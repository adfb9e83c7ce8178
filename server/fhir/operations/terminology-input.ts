import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationDefinition } from 'fhir/r4.js';
import { FhirError, invalid, notFound } from '../../errors/fhir-error.js';
import { TerminologyError } from '../../terminology/errors.js';
import type { ConformanceType } from '../../terminology/layers.js';
import type { CodedInput } from '../../terminology/validate-code.js';
import { isJsonObject, stringProp, type JsonObject } from '../model/json-object.js';
import { r4PackageDirectory } from '../model/r4-structure-definitions.js';
import { params, primitiveParam } from './input.js';
import type { OperationDeps, OperationRequest } from './types.js';

/**
 * Reading the inputs of the terminology operations and $validate
 * (https://hl7.org/fhir/R4/terminology-service.html), and turning terminology failures into
 * OperationOutcomes.
 */

/** The official R4 OperationDefinition (from the R4 package), e.g. `ValueSet-expand`. */
export function officialDefinition(name: string): OperationDefinition {
  return JSON.parse(readFileSync(join(r4PackageDirectory(), `OperationDefinition-${name}.json`), 'utf8')) as OperationDefinition;
}

type Input = OperationRequest['input'];

export function resourceParam(input: Input, name: string): JsonObject | undefined {
  const r: unknown = params(input, name)[0]?.resource;
  return isJsonObject(r) ? r : undefined;
}

function asCoding(v: unknown): CodedInput | undefined {
  if (!isJsonObject(v)) return undefined;
  const code = stringProp(v, 'code');
  if (code === undefined) return undefined;
  const system = stringProp(v, 'system');
  const version = stringProp(v, 'version');
  const display = stringProp(v, 'display');
  return { code, ...(system === undefined ? {} : { system }), ...(version === undefined ? {} : { version }), ...(display === undefined ? {} : { display }) };
}

export function codingParam(input: Input, name: string): CodedInput | undefined {
  return asCoding(params(input, name)[0]?.valueCoding);
}

export function codeableConceptParam(input: Input, name: string): CodedInput[] | undefined {
  const cc: unknown = params(input, name)[0]?.valueCodeableConcept;
  if (!isJsonObject(cc)) return undefined;
  const codings = Array.isArray(cc['coding']) ? cc['coding'] : [];
  return codings.flatMap((c) => asCoding(c) ?? []);
}

export function booleanParam(input: Input, name: string): boolean | undefined {
  const v = primitiveParam(input, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Parameter '${name}' must be true or false`);
  return v === 'true';
}

export function integerParam(input: Input, name: string): number | undefined {
  const v = primitiveParam(input, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw invalid(`Parameter '${name}' must be a non-negative integer`);
  return Number(v);
}

/**
 * The codes to check: `code` (+ `system`, `version`, `display`), or `coding`, or
 * `codeableConcept` (https://hl7.org/fhir/R4/valueset-operation-validate-code.html).
 */
export function codedInputs(input: Input, systemParam: string, defaultSystem?: string): CodedInput[] {
  const cc = codeableConceptParam(input, 'codeableConcept');
  if (cc !== undefined) return cc;
  const coding = codingParam(input, 'coding');
  if (coding !== undefined) return [coding];
  const code = primitiveParam(input, 'code');
  if (code === undefined) throw invalid('One of code, coding or codeableConcept is required');
  const system = primitiveParam(input, systemParam) ?? defaultSystem;
  const version = primitiveParam(input, 'version');
  const display = primitiveParam(input, 'display');
  return [{ code, ...(system === undefined ? {} : { system }), ...(version === undefined ? {} : { version }), ...(display === undefined ? {} : { display }) }];
}

/**
 * The resource an operation works on: the instance (`ValueSet/123/$expand`, from the
 * database, else one the server ships), the one posted inline, or the one named by `url`.
 */
export async function targetResource(
  request: OperationRequest,
  deps: OperationDeps,
  type: ConformanceType,
  inlineParam: string,
): Promise<JsonObject | undefined> {
  if (request.level === 'instance' && request.id !== undefined) {
    try {
      const stored = await deps.repository.read(type, request.id);
      if (stored.json !== null) return JSON.parse(stored.json) as JsonObject;
    } catch (err: unknown) {
      if (!(err instanceof FhirError) || err.status !== 404) throw err;
    }
    const shipped = deps.conformance.registry.byId(type, request.id);
    if (shipped === undefined) throw notFound(`${type}/${request.id} is not known`);
    return shipped;
  }
  const inline = resourceParam(request.input, inlineParam);
  if (inline !== undefined) {
    if (inline['resourceType'] !== type) throw invalid(`Parameter '${inlineParam}' must be a ${type}`);
    return inline;
  }
  const url = primitiveParam(request.input, 'url');
  if (url === undefined) return undefined;
  const version = primitiveParam(request.input, type === 'ValueSet' ? 'valueSetVersion' : type === 'ConceptMap' ? 'conceptMapVersion' : 'version');
  const found = deps.conformance.registry.resolve(type, version === undefined ? url : `${url}|${version}`);
  if (found === undefined) throw notFound(`No ${type} with url ${url} is known to this server`);
  return found;
}

const ARTICLE_NAMES: Readonly<Record<ConformanceType, string>> = {
  ValueSet: 'a value set',
  CodeSystem: 'a code system',
  ConceptMap: 'a concept map',
  StructureDefinition: 'a structure definition',
};

/**
 * The conformance resource an operation works on (targetResource), with the
 * conformance cache refreshed first; 400 naming the operation when none is given.
 */
export async function requiredTarget(
  request: OperationRequest,
  deps: OperationDeps,
  type: ConformanceType,
  inlineParam: string,
  operation: string,
): Promise<JsonObject> {
  await deps.conformance.ensureFresh();
  const target = await targetResource(request, deps, type, inlineParam);
  if (target === undefined) throw invalid(`$${operation} needs ${ARTICLE_NAMES[type]}: call it on an instance, or give url or ${inlineParam}`);
  return target;
}

/** The Parameters of a $validate-code answer (result, and message / display when known). */
export function validateCodeOutput(r: { readonly result: boolean; readonly message?: string | undefined; readonly display?: string | undefined }): JsonObject {
  return outputParameters([
    { name: 'result', valueBoolean: r.result },
    r.message === undefined ? undefined : { name: 'message', valueString: r.message },
    r.display === undefined ? undefined : { name: 'display', valueString: r.display },
  ]);
}

/** Runs terminology work, turning its failures into OperationOutcome errors. */
export function terminologyCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err: unknown) {
    if (!(err instanceof TerminologyError)) throw err;
    switch (err.kind) {
      case 'not-found':
        throw new FhirError('notFound', err.message);
      case 'invalid':
        throw invalid(err.message);
      case 'too-costly':
        throw new FhirError('tooCostly', err.message);
      case 'not-supported':
        throw new FhirError('unprocessable', err.message, { issues: [{ severity: 'error', code: 'not-supported', diagnostics: err.message }] });
    }
  }
}

/** A Parameters resource from name/value parts (undefined values left out). */
export function outputParameters(parts: readonly (JsonObject | undefined)[]): JsonObject {
  return { resourceType: 'Parameters', parameter: parts.filter((p): p is JsonObject => p !== undefined) };
}
