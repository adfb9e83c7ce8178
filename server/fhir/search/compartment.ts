/**
 * Compartment search (https://hl7.org/fhir/R4/compartmentdefinition.html,
 * http.html#vsearch): `GET [base]/Patient/123/Observation` is the Observations
 * that refer to Patient/123 through any parameter the R4 Patient
 * CompartmentDefinition lists for Observation (subject, performer). Read from
 * the official definitions (Patient, Encounter, RelatedPerson, Practitioner, Device).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Condition } from '../../store/search/condition.js';
import { arrayProp, isJsonObject, stringProp } from '../model/json-object.js';
import { r4PackageDirectory } from '../model/r4-structure-definitions.js';
import type { SearchParamRegistry } from './definitions/registry.js';

const FILES: Readonly<Record<string, string>> = {
  Patient: 'patient',
  Encounter: 'encounter',
  RelatedPerson: 'relatedPerson',
  Practitioner: 'practitioner',
  Device: 'device',
};

const cache = new Map<string, ReadonlyMap<string, readonly string[]>>();

/** Parameter codes per member resource type of a compartment; undefined for an unknown compartment. */
export function compartmentParams(compartment: string): ReadonlyMap<string, readonly string[]> | undefined {
  const file = FILES[compartment];
  if (file === undefined) return undefined;
  let map = cache.get(compartment);
  if (map === undefined) {
    const def: unknown = JSON.parse(readFileSync(join(r4PackageDirectory(), `CompartmentDefinition-${file}.json`), 'utf8'));
    const m = new Map<string, readonly string[]>();
    for (const r of isJsonObject(def) ? arrayProp(def, 'resource') : []) {
      if (!isJsonObject(r)) continue;
      const code = stringProp(r, 'code');
      const params = arrayProp(r, 'param').filter((p): p is string => typeof p === 'string');
      if (code !== undefined && params.length > 0) m.set(code, params);
    }
    map = m;
    cache.set(compartment, map);
  }
  return map;
}

/** The condition "in compartment `compartment`/`id`" for resources of `type`; undefined when `type` is not a member. */
export function compartmentCondition(
  registry: SearchParamRegistry,
  compartment: string,
  id: string,
  type: string,
): Condition | undefined {
  const codes = compartmentParams(compartment)?.get(type);
  if (codes === undefined) return undefined;
  const members: Condition[] = [];
  for (const code of codes) {
    const p = code === '{def}' ? undefined : registry.get(type, code);
    if (p?.type !== 'reference') continue;
    members.push({ kind: 'index', keys: [p.key], match: { table: 'reference', values: [{ kind: 'local', type: compartment, id }] } });
  }
  // The compartment's own resource is in it too (e.g. Patient/123 in Patient/123's compartment).
  if (type === compartment) members.push({ kind: 'id', ids: [id] });
  return members.length === 0 ? undefined : { kind: 'or', alternatives: members };
}
