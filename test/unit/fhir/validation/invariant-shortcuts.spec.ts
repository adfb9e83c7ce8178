import { expect } from 'chai';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, type JsonObject } from '../../../../server/fhir/model/json-object.js';
import { r4PackageDirectory } from '../../../../server/fhir/model/r4-structure-definitions.js';
import { shortcutFor } from '../../../../server/fhir/validation/profile/invariant-shortcuts.js';

/**
 * The shortcuts answer "certainly holds" without a FHIRPath engine; they must never say so
 * where fhirpath.js finds the invariant false. Checked differentially: every resource and
 * backbone invariant of the R4 core definitions, on the nodes of the official R4 examples
 * and on variants of each node with one element removed (which flips the presence the
 * shortcuts read) and with each element that other examples have at that path added.
 */

interface Invariant {
  readonly key: string;
  readonly expression: string;
  /** Element path; FHIRPath type context for backbone elements. */
  readonly path: string;
}

function coreInvariants(dir: string): Map<string, Invariant[]> {
  const byType = new Map<string, Invariant[]>();
  for (const file of readdirSync(dir)) {
    if (!file.startsWith('StructureDefinition-')) continue;
    const sd = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;
    if (sd['kind'] !== 'resource' || sd['derivation'] !== 'specialization' || typeof sd['type'] !== 'string') continue;
    const snapshot = sd['snapshot'];
    const elements = isJsonObject(snapshot) && Array.isArray(snapshot['element']) ? snapshot['element'] : [];
    const out: Invariant[] = [];
    for (const el of elements) {
      if (!isJsonObject(el) || typeof el['path'] !== 'string' || !Array.isArray(el['constraint'])) continue;
      for (const c of el['constraint']) {
        if (isJsonObject(c) && typeof c['key'] === 'string' && typeof c['expression'] === 'string') {
          out.push({ key: c['key'], expression: c['expression'], path: el['path'] });
        }
      }
    }
    byType.set(sd['type'], out);
  }
  return byType;
}

/** The JSON nodes at an element path (`Observation.component` → each component object). */
function nodesAt(resource: JsonObject, path: string): JsonObject[] {
  let nodes: unknown[] = [resource];
  for (const name of path.split('.').slice(1)) {
    nodes = nodes.flatMap((n) => (isJsonObject(n) ? [n[name]].flat() : []));
  }
  return nodes.filter(isJsonObject);
}

/** The node; the node with each of its elements removed in turn; the node with each element of `seen` it lacks added. */
function variants(node: JsonObject, seen: ReadonlyMap<string, unknown>): JsonObject[] {
  const keys = Object.keys(node).filter((k) => k !== 'resourceType');
  const removed = keys.map((k) => Object.fromEntries(Object.entries(node).filter(([key]) => key !== k)));
  const added = [...seen].filter(([k]) => !(k in node)).map(([k, v]) => ({ ...node, [k]: v }));
  return [node, ...removed, ...added];
}

type Compiled = (node: unknown, env: Record<string, unknown>) => unknown;
const compiled = new Map<string, Compiled | null>();

function engine(inv: Invariant, root: boolean): Compiled | null {
  const key = `${inv.path}|${inv.expression}`;
  let fn = compiled.get(key);
  if (fn === undefined) {
    try {
      fn = fhirpath.compile(root ? inv.expression : { base: inv.path, expression: inv.expression }, r4model, { traceFn: () => undefined }) as Compiled;
    } catch {
      fn = null; // an expression fhirpath.js cannot parse is not checked at all
    }
    compiled.set(key, fn);
  }
  return fn;
}

/** Elements seen at each element path across all examples (the first value of each). */
function elementsByPath(resources: readonly JsonObject[], invariants: ReadonlyMap<string, Invariant[]>): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  for (const resource of resources) {
    const paths = new Set((invariants.get(String(resource['resourceType'])) ?? []).map((i) => i.path));
    for (const path of paths) {
      const seen = out.get(path) ?? new Map<string, unknown>();
      out.set(path, seen);
      for (const node of nodesAt(resource, path)) for (const [k, v] of Object.entries(node)) if (!seen.has(k)) seen.set(k, v);
    }
  }
  return out;
}

describe('fhir/validation: invariant shortcuts agree with fhirpath.js', () => {
  it('never answer "holds" where the engine finds an R4 invariant false', function () {
    this.timeout(120_000);
    const dir = r4PackageDirectory();
    const invariants = coreInvariants(dir);
    const resources = readdirSync(dir)
      .sort()
      .filter((f) => f.endsWith('.json') && !f.startsWith('StructureDefinition-') && f !== 'package.json')
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown)
      .filter((r): r is JsonObject => isJsonObject(r) && typeof r['resourceType'] === 'string');
    const seenAt = elementsByPath(resources, invariants);
    let settled = 0;
    let checked = 0;
    const disagreements: string[] = [];
    for (const resource of resources) {
      const type = String(resource['resourceType']);
      for (const inv of invariants.get(type) ?? []) {
        const shortcut = shortcutFor(inv.expression);
        const root = inv.path === type;
        const fn = engine(inv, root);
        if (shortcut === undefined || fn === null) continue;
        for (const node of nodesAt(resource, inv.path).flatMap((n) => variants(n, seenAt.get(inv.path) ?? new Map()))) {
          checked += 1;
          if (!shortcut(node)) continue;
          settled += 1;
          const context = root ? node : resource;
          let result: unknown;
          try {
            result = fn(node, { resource: context, rootResource: context });
          } catch {
            continue; // the engine fails on this variant: nothing to compare
          }
          if (Array.isArray(result) && result.length === 1 && result[0] === false) {
            disagreements.push(`${type}/${String(resource['id'])} ${inv.key} at ${inv.path}: ${inv.expression} on ${JSON.stringify(node).slice(0, 200)}`);
          }
        }
      }
    }
    expect(disagreements).to.deep.equal([]);
    // Not vacuous: the shortcuts settle most of what they are asked.
    expect(checked).to.be.greaterThan(20_000);
    expect(settled).to.be.greaterThan(checked / 2);
  });

  it('settle obs-7 when there are no components, and leave it to the engine when there are', () => {
    const test = shortcutFor('value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()');
    expect(test?.({ resourceType: 'Observation', valueQuantity: { value: 1 } })).to.equal(true);
    expect(test?.({ resourceType: 'Observation', valueQuantity: { value: 1 }, component: [{ code: { text: 'x' } }] })).to.equal(false);
  });

  it('read choice elements by their type suffix only: periodUnit is not period', () => {
    const test = shortcutFor('period.empty() or periodUnit.exists()');
    expect(test?.({ periodUnit: 'd' })).to.equal(true);
    const exists = shortcutFor('period.exists()');
    expect(exists?.({ periodUnit: 'd' })).to.equal(false);
    expect(shortcutFor('value.exists()')?.({ valueQuantity: {} })).to.equal(true);
  });

  it('follow member paths into nested elements and extension twins', () => {
    const test = shortcutFor('contained.meta.versionId.empty()');
    expect(test?.({ contained: [{ resourceType: 'Patient', meta: { lastUpdated: 'x' } }] })).to.equal(true);
    expect(test?.({ contained: [{ resourceType: 'Patient', meta: { versionId: '1' } }] })).to.equal(false);
    expect(test?.({ contained: [{ resourceType: 'Patient', meta: { _versionId: { extension: [] } } }] })).to.equal(false);
    expect(shortcutFor('birthDate.extension.exists()')?.({ _birthDate: { extension: [{ url: 'u' }] } })).to.equal(true);
  });

  it('answer us-core-1 and tim-5 natively', () => {
    const us1 = shortcutFor('($this as dateTime).toString().length() >= 8');
    expect(us1?.('2010-05-18T07:24:28+02:00')).to.equal(true);
    expect(us1?.('2010')).to.equal(false);
    const tim5 = shortcutFor('period.exists() implies period >= 0');
    expect(tim5?.({ period: 1 })).to.equal(true);
    expect(tim5?.({ frequency: 1 })).to.equal(true);
    expect(tim5?.({ period: -1 })).to.equal(false);
  });
});
