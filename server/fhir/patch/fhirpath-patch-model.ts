/**
 * What FHIRPath Patch needs to know about R4 elements: their JSON name, type(s),
 * cardinality and whether they are choice (value[x]) elements. Everything comes
 * from the R4 model that ships with fhirpath.js, so no StructureDefinitions are loaded.
 * https://hl7.org/fhir/R4/fhirpatch.html: "The type of the value must be correct for
 * the place at which it will be added/inserted."
 */
import r4model from 'fhirpath/fhir-context/r4';
import { OPEN_TYPE_SUFFIXES } from '../model/open-types.js';

/** An element as declared by the model, seen from its parent type. */
export interface ElementDef {
  /** Model path, e.g. `Patient.contact` or `Observation.value`. */
  readonly path: string;
  /** JSON property name without a choice suffix, e.g. `value`. */
  readonly name: string;
  /** Allowed FHIR type names (several for a choice element). */
  readonly types: readonly string[];
  readonly choice: boolean;
  /** Every JSON key the element may appear under (`valueString`, `valueQuantity`, ...). */
  readonly keys: readonly string[];
  readonly repeating: boolean;
  /** Type path of anonymous content (BackboneElement/Element), e.g. `Patient.contact`. */
  readonly anonymousPath: string;
}

const PRIMITIVES: ReadonlySet<string> = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant',
  'integer', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml',
]);
const NON_STRING_PRIMITIVES: ReadonlySet<string> = new Set(['boolean', 'decimal', 'integer', 'positiveInt', 'unsignedInt']);
const INTEGERS: ReadonlySet<string> = new Set(['integer', 'positiveInt', 'unsignedInt']);
const ANONYMOUS_TYPES: ReadonlySet<string> = new Set(['BackboneElement', 'Element']);
/** The model types a few elements (Resource.id, Extension.url, ...) with FHIRPath system types. */
const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'System.String': 'string',
  'System.Boolean': 'boolean',
  'System.Integer': 'integer',
  'System.Decimal': 'decimal',
  'System.Date': 'date',
  'System.DateTime': 'dateTime',
  'System.Time': 'time',
};

/** Type suffixes allowed in `Parameters.parameter.value[x]` (the R4 open type list). */
export const PARAMETER_VALUE_SUFFIXES: ReadonlySet<string> = OPEN_TYPE_SUFFIXES;

export const isPrimitiveType = (type: string): boolean => PRIMITIVES.has(SYSTEM_TYPES[type] ?? type);
export const isAnonymousType = (type: string): boolean => ANONYMOUS_TYPES.has(type);

/** `DateTime` → `dateTime`, `Quantity` → `Quantity`. */
export function typeFromSuffix(suffix: string): string {
  const lowered = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVES.has(lowered) ? lowered : suffix;
}

/** `dateTime` → `DateTime`: the JSON suffix of a choice element of that type. */
export const suffixFromType = (type: string): string => type.charAt(0).toUpperCase() + type.slice(1);

/**
 * The element `name` of the type at `typePath` (a type name such as `HumanName`, or
 * the path of an anonymous element such as `Patient.contact`). Accepts a choice
 * element by its base name (`value`) or by a typed JSON key (`valueQuantity`).
 */
export function findElement(typePath: string | null, name: string): ElementDef | undefined {
  if (typePath === null || name === '') return undefined;
  const path = findPath(typePath, name);
  if (path !== undefined) return describe(path, name);
  for (let i = name.length - 1; i > 0; i--) {
    const suffix = name.slice(i);
    if (!/^[A-Z]/.test(suffix)) continue;
    const basePath = findPath(typePath, name.slice(0, i));
    if (basePath !== undefined && (r4model.choiceTypePaths[basePath] ?? []).includes(suffix)) {
      return { ...describe(basePath, name.slice(0, i)), types: [typeFromSuffix(suffix)] };
    }
  }
  return undefined;
}

/** Where the content of a value of `type` placed in `def` is described. */
export const contentTypePath = (def: ElementDef, type: string): string =>
  isAnonymousType(type) ? def.anonymousPath : type;

/**
 * Whether a value of `valueType` may be placed where `targetType` is declared: the
 * same type or a specialisation (Age → Quantity, code → string). Unless `strict`,
 * primitives with the same JSON representation are also accepted (valueString for
 * a code or xhtml element, as the spec's own test cases do); their lexical rules
 * are left to resource validation.
 */
export function isAssignable(valueType: string, targetType: string, strict: boolean): boolean {
  const target = SYSTEM_TYPES[targetType] ?? targetType;
  for (let type: string | undefined = valueType; type !== undefined; type = r4model.type2Parent[type]) {
    if (type === target && !isAnonymousType(type)) return true;
  }
  if (strict || !PRIMITIVES.has(valueType) || !PRIMITIVES.has(target)) return false;
  if (INTEGERS.has(valueType)) return INTEGERS.has(target) || target === 'decimal';
  return !NON_STRING_PRIMITIVES.has(valueType) && !NON_STRING_PRIMITIVES.has(target);
}

function findPath(typePath: string, name: string): string | undefined {
  for (let type: string | undefined = typePath; type !== undefined; type = r4model.type2Parent[type]) {
    const path = `${type}.${name}`;
    if (
      Object.hasOwn(r4model.path2Type, path) ||
      Object.hasOwn(r4model.choiceTypePaths, path) ||
      Object.hasOwn(r4model.pathsDefinedElsewhere, path)
    ) {
      return path;
    }
  }
  return undefined;
}

function describe(path: string, name: string): ElementDef {
  const elsewhere = r4model.pathsDefinedElsewhere[path];
  const choices = r4model.choiceTypePaths[path];
  const declared = r4model.path2Type[path];
  const types = choices?.map(typeFromSuffix) ?? [elsewhere === undefined ? (declared ?? 'Element') : 'BackboneElement'];
  return {
    path,
    name,
    types,
    choice: choices !== undefined,
    keys: choices === undefined ? [name] : choices.map((suffix) => name + suffix),
    repeating: r4model.path2Repeating[path] === true || (elsewhere !== undefined && r4model.path2Repeating[elsewhere] === true),
    anonymousPath: elsewhere ?? path,
  };
}
