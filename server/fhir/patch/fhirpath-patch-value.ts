/**
 * Turns a patch value into the JSON to store and the key to store it under,
 * checking it against the element it goes into.
 * https://hl7.org/fhir/R4/fhirpatch.html: named data types are given as value[x];
 * anonymous elements (Patient.contact, Timing.repeat) as a set of parts, one per
 * property, each itself a value[x] or nested parts.
 */
import { FhirError } from '../../errors/fhir-error.js';
import {
  contentTypePath,
  findElement,
  isAssignable,
  isPrimitiveType,
  suffixFromType,
  type ElementDef,
} from './fhirpath-patch-model.js';
import type { PatchValue, ValuePart } from './fhirpath-patch-parameters.js';

export interface StoredValue {
  /** JSON key: the element name, or name + type suffix for a choice element. */
  readonly key: string;
  /** A fresh copy, never shared with the Parameters input. */
  readonly data: unknown;
}

const unprocessable = (message: string): FhirError => new FhirError('unprocessable', message);

/** The JSON to store for `value` in the element `def`, and the key to store it under. */
export function storedValue(def: ElementDef, value: PatchValue): StoredValue {
  if (value.kind === 'parts') return { key: def.name, data: fromParts(def, value.parts) };
  const type = targetType(def, value.type, value.kind);
  return { key: def.choice ? def.name + suffixFromType(type) : def.name, data: structuredClone(value.data) };
}

/** The declared type the value goes in as; for a choice element this picks the suffix. */
function targetType(def: ElementDef, valueType: string, kind: 'typed' | 'resource'): string {
  const strict = def.choice || kind === 'resource';
  const type = def.types.find((t) => t === valueType) ?? def.types.find((t) => isAssignable(valueType, t, strict));
  if (type === undefined) {
    throw unprocessable(`a ${valueType} cannot be placed in ${def.path} (${def.types.join(' | ')})`);
  }
  return type;
}

function fromParts(def: ElementDef, parts: readonly ValuePart[]): Record<string, unknown> {
  const [type] = def.types;
  if (def.choice || type === undefined || isPrimitiveType(type) || type === 'Resource') {
    throw unprocessable(`${def.path} cannot be given as parts; use value[x]`);
  }
  const typePath = contentTypePath(def, type);
  const content: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const part of parts) {
    const child = findElement(typePath, part.name);
    if (child === undefined) throw unprocessable(`${typePath} has no element '${part.name}'`);
    const stored = storedValue(child, part.value);
    const existing = content[stored.key];
    if (child.repeating) {
      content[stored.key] = Array.isArray(existing) ? [...(existing as unknown[]), stored.data] : [stored.data];
    } else if (seen.has(child.path)) {
      throw unprocessable(`${child.path} is not repeating but is given more than once`);
    } else {
      content[stored.key] = stored.data;
    }
    seen.add(child.path);
  }
  return content;
}
