/**
 * Reads a FHIRPath Patch Parameters resource into typed operations, rejecting
 * malformed documents with 400 before anything is applied.
 * https://hl7.org/fhir/R4/fhirpatch.html
 */
import { FhirError } from '../../errors/fhir-error.js';
import { isPrimitiveType, PARAMETER_VALUE_SUFFIXES, typeFromSuffix } from './fhirpath-patch-model.js';

/** A value to put into the resource. */
export type PatchValue =
  /** `value[x]` of a named type, e.g. valueHumanName. */
  | { readonly kind: 'typed'; readonly type: string; readonly data: unknown }
  /** A resource (for Resource-typed elements such as `contained`). */
  | { readonly kind: 'resource'; readonly type: string; readonly data: Readonly<Record<string, unknown>> }
  /** Anonymous or complex content given property by property as nested parts. */
  | { readonly kind: 'parts'; readonly parts: readonly ValuePart[] };

export interface ValuePart {
  readonly name: string;
  readonly value: PatchValue;
}

export type PatchOperation =
  | { readonly type: 'add'; readonly path: string; readonly name: string; readonly value: PatchValue }
  | { readonly type: 'insert'; readonly path: string; readonly index: number; readonly value: PatchValue }
  | { readonly type: 'delete'; readonly path: string }
  | { readonly type: 'replace'; readonly path: string; readonly value: PatchValue }
  | { readonly type: 'move'; readonly path: string; readonly source: number; readonly destination: number };

type PartName = 'type' | 'path' | 'name' | 'value' | 'index' | 'source' | 'destination';
type Parts = ReadonlyMap<PartName, Readonly<Record<string, unknown>>>;

const PART_NAMES: ReadonlySet<string> = new Set<PartName>(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);
const OPERATION_TYPES: ReadonlySet<string> = new Set<PatchOperation['type']>(['add', 'insert', 'delete', 'replace', 'move']);

export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Parses `parameters`; throws FhirError 'invalid' naming the offending operation. */
export function parsePatchParameters(parameters: unknown): readonly PatchOperation[] {
  if (!isPlainObject(parameters) || parameters['resourceType'] !== 'Parameters') {
    throw new FhirError('invalid', 'FHIRPath Patch body must be a Parameters resource');
  }
  const list = parameters['parameter'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new FhirError('invalid', 'Parameters.parameter must be an array', { expression: ['Parameters.parameter'] });
  return list.map((parameter: unknown, index) => {
    try {
      return parseOperation(readParts(parameter));
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      throw new FhirError('invalid', `FHIRPath Patch operation ${index}: ${err.message}`, {
        expression: [`Parameters.parameter[${index}]`],
        cause: err,
      });
    }
  });
}

const malformed = (message: string): FhirError => new FhirError('invalid', message);

function readParts(parameter: unknown): Parts {
  if (!isPlainObject(parameter) || parameter['name'] !== 'operation') throw malformed("parameter must be named 'operation'");
  const parts = parameter['part'];
  if (!Array.isArray(parts) || parts.length === 0) throw malformed("an 'operation' parameter needs parts");
  const byName = new Map<PartName, Readonly<Record<string, unknown>>>();
  for (const part of parts as unknown[]) {
    const name = isPlainObject(part) ? part['name'] : undefined;
    if (!isPlainObject(part) || typeof name !== 'string' || !PART_NAMES.has(name)) {
      throw malformed(`unknown part ${JSON.stringify(name)}; expected one of ${[...PART_NAMES].join(', ')}`);
    }
    if (byName.has(name as PartName)) throw malformed(`part '${name}' appears more than once`);
    byName.set(name as PartName, part);
  }
  return byName;
}

function parseOperation(parts: Parts): PatchOperation {
  const type = parts.get('type')?.['valueCode'];
  if (typeof type !== 'string' || !OPERATION_TYPES.has(type)) {
    throw malformed(`part 'type' must be a valueCode, one of ${[...OPERATION_TYPES].join(' | ')}`);
  }
  const op = type as PatchOperation['type'];
  const path = readString(parts, 'path', op);
  switch (op) {
    case 'add':
      return { type: op, path, name: readString(parts, 'name', op), value: readValue(required(parts, 'value', op)) };
    case 'insert':
      return { type: op, path, index: readInteger(parts, 'index', op), value: readValue(required(parts, 'value', op)) };
    case 'delete':
      return { type: op, path };
    case 'replace':
      return { type: op, path, value: readValue(required(parts, 'value', op)) };
    case 'move':
      return { type: op, path, source: readInteger(parts, 'source', op), destination: readInteger(parts, 'destination', op) };
  }
}

function required(parts: Parts, name: PartName, op: string): Readonly<Record<string, unknown>> {
  const part = parts.get(name);
  if (part === undefined) throw malformed(`${op} requires part '${name}'`);
  return part;
}

function readString(parts: Parts, name: PartName, op: string): string {
  const value = required(parts, name, op)['valueString'];
  if (typeof value !== 'string' || value.trim() === '') throw malformed(`part '${name}' must have a non-empty valueString`);
  return value;
}

function readInteger(parts: Parts, name: PartName, op: string): number {
  const value = required(parts, name, op)['valueInteger'];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed(`part '${name}' must have a valueInteger`);
  return value;
}

/** A value part holds exactly one of value[x], resource or nested parts. */
function readValue(part: Readonly<Record<string, unknown>>): PatchValue {
  const valueKeys = Object.keys(part).filter((key) => /^value[A-Z]/.test(key));
  const forms = valueKeys.length + (part['resource'] === undefined ? 0 : 1) + (part['part'] === undefined ? 0 : 1);
  const label = typeof part['name'] === 'string' ? part['name'] : '?';
  if (forms !== 1) throw malformed(`part '${label}' must have exactly one of value[x], resource or part`);
  const [valueKey] = valueKeys;
  if (valueKey !== undefined) return readTypedValue(valueKey, part[valueKey]);
  const resource = part['resource'];
  if (resource !== undefined) {
    if (!isPlainObject(resource) || typeof resource['resourceType'] !== 'string') throw malformed(`part '${label}' has an invalid resource`);
    return { kind: 'resource', type: resource['resourceType'], data: resource };
  }
  const nested = part['part'];
  if (!Array.isArray(nested) || nested.length === 0) throw malformed(`part '${label}' must have a non-empty part array`);
  return {
    kind: 'parts',
    parts: (nested as unknown[]).map((sub) => {
      const name = isPlainObject(sub) ? sub['name'] : undefined;
      if (!isPlainObject(sub) || typeof name !== 'string' || name === '') throw malformed(`every part of '${label}' needs a name`);
      return { name, value: readValue(sub) };
    }),
  };
}

function readTypedValue(key: string, data: unknown): PatchValue {
  const suffix = key.slice('value'.length);
  if (!PARAMETER_VALUE_SUFFIXES.has(suffix)) throw malformed(`${key} is not an allowed Parameters value type`);
  const type = typeFromSuffix(suffix);
  if (!hasJsonShape(type, data)) throw malformed(`${key} does not hold a ${type}`);
  return { kind: 'typed', type, data };
}

function hasJsonShape(type: string, data: unknown): boolean {
  if (!isPrimitiveType(type)) return isPlainObject(data);
  switch (type) {
    case 'boolean':
      return typeof data === 'boolean';
    case 'decimal':
      return typeof data === 'number' && Number.isFinite(data);
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      return typeof data === 'number' && Number.isInteger(data);
    default:
      return typeof data === 'string';
  }
}
