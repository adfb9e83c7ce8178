import { expect } from 'chai';
import { isJsonObject, type JsonObject } from '../../../../server/fhir/model/json-object.js';
import { r4TypeDefinitions } from '../../../../server/fhir/model/r4-structure-definitions.js';
import { R4ValueSets } from '../../../../server/fhir/model/r4-value-sets.js';
import { isResourceType, RESOURCE_TYPES } from '../../../../server/fhir/model/resource-types.js';
import { buildElementTables, type ChildSpec, type ElementTables } from '../../../../server/fhir/validation/element-tables.js';
import { loadFhirSchema } from '../../../../server/fhir/validation/fhir-schema.js';
import { refTarget } from '../../../../server/fhir/validation/schema-align.js';
import { NULLABLE_SUFFIX } from '../../../../server/fhir/validation/schema-rewrite.js';

/** JSON type of each number-valued primitive; every other primitive is a JSON string. */
const NUMERIC: ReadonlyMap<string, string> = new Map([
  ['boolean', 'boolean'],
  ['decimal', 'number'],
  ['integer', 'number'],
  ['positiveInt', 'number'],
  ['unsignedInt', 'number'],
]);

interface Visit {
  readonly path: string;
  readonly child: ChildSpec;
  readonly prop: JsonObject;
}

/** Every (R4 element, prepared schema property) pair, found by following backbone $refs. */
function pairs(t: ElementTables, defs: JsonObject): Visit[] {
  const out: Visit[] = [];
  const seen = new Set<string>();
  const queue: Array<[string, string]> = [...t.tables.keys()].filter((k) => !k.includes('.') && k in defs).map((k) => [k, k]);
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [defName, key] = next;
    const def = defs[defName];
    const table = t.tables.get(key);
    if (seen.has(defName) || !isJsonObject(def) || !isJsonObject(def['properties']) || table === undefined) continue;
    seen.add(defName);
    for (const [name, child] of table.children) {
      const prop = def['properties'][name];
      if (!isJsonObject(prop)) throw new Error(`${key}.${name} missing from the schema`);
      out.push({ path: `${key}.${name}`, child, prop });
      const target = refTarget(prop);
      if (child.table?.includes('.') === true && target !== undefined) queue.push([target, child.table]);
    }
  }
  return out;
}

describe('fhir/validation: definitions', () => {
  const valueSets = new R4ValueSets();
  const tables = buildElementTables(r4TypeDefinitions());
  const schema = loadFhirSchema(tables, (url) => valueSets.codes(url));
  const defs = isJsonObject(schema['definitions']) ? schema['definitions'] : {};

  it('derives the 146 concrete R4 resource types', () => {
    expect(RESOURCE_TYPES.size).to.equal(146);
    for (const t of ['Patient', 'Bundle', 'Observation', 'VisionPrescription']) expect(isResourceType(t), t).to.equal(true);
    // Abstract bases, Medplum's own types and the R4B SubscriptionStatus Medplum ships are not R4 resources.
    for (const t of ['Resource', 'DomainResource', 'Project', 'SubscriptionStatus', 'patient']) {
      expect(isResourceType(t), t).to.equal(false);
    }
  });

  it('keeps only R4 types in the prepared schema', () => {
    expect(defs).to.not.have.property('Project');
    expect(defs).to.not.have.property('ProjectMembership');
    for (const t of RESOURCE_TYPES) expect(defs, t).to.have.property(t);
  });

  it('agrees with the official snapshots on every element: type and single vs array', () => {
    const problems: string[] = [];
    const visits = pairs(tables, defs);
    for (const { path, child, prop } of visits) {
      if ((prop['type'] === 'array') !== child.repeating) problems.push(`${path}: array? ${String(prop['type'])}`);
      if (child.table?.includes('.') === true) continue; // backbone: checked when visited
      const item = child.repeating && isJsonObject(prop['items']) ? prop['items'] : prop;
      const target = refTarget(prop)?.replace(NULLABLE_SUFFIX, '');
      const expected = child.resource ? 'ResourceList' : child.type;
      if (target !== undefined && target !== expected) problems.push(`${path}: ${target}, expected ${expected}`);
      if (target === undefined && !Array.isArray(item['enum'])) problems.push(`${path}: no $ref and no enum`);
      if (target === undefined && Array.isArray(item['enum']) && child.type !== 'code') problems.push(`${path}: enum on ${child.type}`);
    }
    expect(problems).to.deep.equal([]);
    expect(visits.length).to.be.greaterThan(8_000);
  });

  it('gives every primitive a definition of the right JSON type', () => {
    for (const t of tables.primitiveTypes) {
      if (t === 'xhtml') continue; // no JSON type in the schema: the walker checks it is a string
      const def = defs[t];
      if (!isJsonObject(def)) continue; // a primitive no R4 element uses on its own
      expect(def['type'], t).to.equal(NUMERIC.get(t) ?? 'string');
    }
  });

  it("enumerates exactly the official codes of each required binding on a code", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { path, child, prop } of pairs(tables, defs)) {
      if (child.type !== 'code' || child.rule.valueSet === undefined) continue;
      const codes = valueSets.codes(child.rule.valueSet);
      const item = child.repeating && isJsonObject(prop['items']) ? prop['items'] : prop;
      const listed: unknown = item['enum'];
      if (codes === undefined) {
        if (Array.isArray(listed)) problems.push(`${path}: enum for an open value set`);
        continue;
      }
      checked++;
      const got = Array.isArray(listed) ? listed.filter((c) => c !== null).map(String).sort() : [];
      if (JSON.stringify(got) !== JSON.stringify([...codes].sort())) problems.push(`${path}: ${got.join(',')}`);
    }
    expect(problems).to.deep.equal([]);
    expect(checked).to.be.greaterThan(300);
  });
});
